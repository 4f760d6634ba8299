namespace Earnest.Solana;

/// <summary>
/// A transaction that cannot be built as asked: it breaks a rule of the message format or of the network (too many
/// accounts or signers, a program invoked as a writable account, a fee payer invoked as a program, more bytes than a
/// packet holds, a signature from a key that is not a signer). The message says which rule and by how much.
/// </summary>
public sealed class TransactionException : Exception
{
    /// <summary>An exception with its message.</summary>
    public TransactionException(string message) : base(message)
    {
    }

    /// <summary>An exception with no message (serialization and tooling only).</summary>
    public TransactionException()
    {
    }

    /// <summary>An exception with a message and its cause.</summary>
    public TransactionException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

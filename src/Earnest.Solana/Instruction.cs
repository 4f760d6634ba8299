namespace Earnest.Solana;

/// <summary>One call of a program: the program, the accounts it is given (in the order it expects) and its data.</summary>
public sealed class Instruction
{
    /// <summary>An instruction; the accounts and data are copied.</summary>
    public Instruction(PublicKey programId, IEnumerable<AccountMeta> accounts, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(programId);
        ArgumentNullException.ThrowIfNull(accounts);
        ProgramId = programId;
        Accounts = [.. accounts];
        Data = data.ToArray();
    }

    /// <summary>The program to run.</summary>
    public PublicKey ProgramId { get; }

    /// <summary>The accounts, in the program's order; an address may appear more than once.</summary>
    public IReadOnlyList<AccountMeta> Accounts { get; }

    /// <summary>The program's input bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; }
}

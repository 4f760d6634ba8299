namespace Earnest.Solana;

/// <summary>
/// A recent blockhash: the 32 bytes a message carries as its lifetime (a transaction is accepted only while the
/// blockhash is recent), written as base58.
/// </summary>
public sealed class Blockhash : IEquatable<Blockhash>
{
    /// <summary>Bytes in a blockhash.</summary>
    public const int Length = 32;

    private readonly byte[] _bytes;

    private Blockhash(byte[] bytes) => _bytes = bytes;

    /// <summary>The 32 bytes, as a read-only view.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>A blockhash of 32 bytes (copied).</summary>
    public static Blockhash FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A blockhash has {Length} bytes; these are {bytes.Length}.", nameof(bytes));
        }
        return new Blockhash(bytes.ToArray());
    }

    /// <summary>Parses base58 text (as the RPC's getLatestBlockhash returns it).</summary>
    public static Blockhash Parse(string text) => new(Base58.Decode(text, Length, "A blockhash"));

    /// <summary>The base58 text.</summary>
    public override string ToString() => Base58.Encode(_bytes);

    /// <inheritdoc />
    public bool Equals(Blockhash? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Blockhash);

    /// <inheritdoc />
    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 0);
}

namespace Earnest.Solana;

/// <summary>A 64-byte Ed25519 signature, written as base58 (a transaction's id is its first signature).</summary>
public sealed class Signature : IEquatable<Signature>
{
    /// <summary>Bytes in a signature.</summary>
    public const int Length = 64;

    private readonly byte[] _bytes;

    private Signature(byte[] bytes) => _bytes = bytes;

    /// <summary>The 64 bytes, as a read-only view.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>A signature of 64 bytes (copied).</summary>
    public static Signature FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A signature has {Length} bytes; these are {bytes.Length}.", nameof(bytes));
        }
        return new Signature(bytes.ToArray());
    }

    /// <summary>Parses base58 text; the error says whether the text is not base58 or not 64 bytes.</summary>
    public static Signature Parse(string text) => new(Base58.Decode(text, Length, "A signature"));

    /// <summary>A copy of the 64 bytes.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    /// <summary>The base58 text.</summary>
    public override string ToString() => Base58.Encode(_bytes);

    /// <inheritdoc />
    public bool Equals(Signature? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Signature);

    /// <inheritdoc />
    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 0);
}

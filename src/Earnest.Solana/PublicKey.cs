namespace Earnest.Solana;

/// <summary>
/// A Solana address: 32 bytes, written as base58. It may be an Ed25519 public key (a wallet, on the curve) or a
/// program-derived address (off the curve); <see cref="IsOnCurve"/> tells which.
/// </summary>
public sealed class PublicKey : IEquatable<PublicKey>
{
    /// <summary>Bytes in an address.</summary>
    public const int Length = 32;

    private readonly byte[] _bytes;
    private string? _text;

    private PublicKey(byte[] bytes) => _bytes = bytes;

    /// <summary>The 32 bytes, as a read-only view.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>An address of 32 bytes (copied).</summary>
    public static PublicKey FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A public key has {Length} bytes; these are {bytes.Length}.", nameof(bytes));
        }
        return new PublicKey(bytes.ToArray());
    }

    /// <summary>Parses base58 text; the error says whether the text is not base58 or not 32 bytes.</summary>
    public static PublicKey Parse(string text) => new(Base58.Decode(text, Length, "A public key"));

    /// <summary>True when the 32 bytes decode to a point of Ed25519 (a key that can sign), false for a PDA.</summary>
    public bool IsOnCurve => Ed25519Curve.IsOnCurve(_bytes);

    /// <summary>A copy of the 32 bytes.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    /// <summary>The base58 text.</summary>
    public override string ToString() => _text ??= Base58.Encode(_bytes);

    /// <inheritdoc />
    public bool Equals(PublicKey? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PublicKey);

    /// <inheritdoc />
    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 0);

    /// <summary>Equality of the bytes.</summary>
    public static bool operator ==(PublicKey? left, PublicKey? right) => left?.Equals(right) ?? right is null;

    /// <summary>Inequality of the bytes.</summary>
    public static bool operator !=(PublicKey? left, PublicKey? right) => !(left == right);
}

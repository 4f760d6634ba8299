using NSec.Cryptography;

namespace Earnest.Solana;

/// <summary>
/// An Ed25519 key pair that signs transactions (NSec over libsodium). Solana's "secret key" is the 32-byte seed
/// followed by the 32-byte public key; the seed alone determines the key.
/// </summary>
public sealed class Keypair : IDisposable
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    private Keypair(Key key)
    {
        _key = key;
        PublicKey = PublicKey.FromBytes(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The address this key signs for.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>The key of a 32-byte seed; the same seed always gives the same key.</summary>
    public static Keypair FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException($"An Ed25519 seed has 32 bytes; this one has {seed.Length}.", nameof(seed));
        }
        return new Keypair(Key.Import(Algorithm, seed, KeyBlobFormat.RawPrivateKey));
    }

    /// <summary>A new random key.</summary>
    public static Keypair Generate() => new(Key.Create(Algorithm));

    /// <summary>Signs bytes (Ed25519, pure: deterministic, no prehash).</summary>
    public Signature Sign(ReadOnlySpan<byte> data) => Signature.FromBytes(Algorithm.Sign(_key, data));

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}

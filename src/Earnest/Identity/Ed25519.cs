using NSec.Cryptography;

namespace Earnest.Identity;

/// <summary>
/// An Ed25519 key pair. Its text form is base58 of 64 bytes (the 32-byte seed followed by the 32-byte public key),
/// the form Solana wallets export as a "private key", so a key moves between the CLI, a browser and a wallet.
/// </summary>
public sealed class WalletKey : IDisposable
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    private WalletKey(Key key)
    {
        _key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        Address = WalletAddress.FromPublicKey(PublicKey);
    }

    /// <summary>The 32-byte public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>The wallet address of this key.</summary>
    public string Address { get; }

    /// <summary>Creates a new random key.</summary>
    public static WalletKey Create() =>
        new(Key.Create(Algorithm, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>Creates the key of a 32-byte seed; the same seed always gives the same key (used by simulations).</summary>
    public static WalletKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException("An Ed25519 seed has 32 bytes.", nameof(seed));
        }
        return new(Key.Import(Algorithm, seed, KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>Parses the base58 secret form (64 bytes: seed ‖ public key), or a Solana CLI JSON array of 64 numbers.</summary>
    public static WalletKey Parse(string text)
    {
        var trimmed = text.Trim();
        byte[]? bytes;
        if (trimmed.StartsWith('['))
        {
            bytes = System.Text.Json.JsonSerializer.Deserialize<byte[]>(
                "\"" + Convert.ToBase64String(ParseJsonNumbers(trimmed)) + "\"");
        }
        else
        {
            bytes = Base58Text.TryDecode(trimmed, 100) ?? throw new FormatException("A secret key is base58 text.");
        }
        if (bytes is not { Length: 64 })
        {
            throw new FormatException("A secret key holds 64 bytes: the 32-byte seed and the 32-byte public key.");
        }
        var key = FromSeed(bytes.AsSpan(0, 32));
        if (!key.PublicKey.AsSpan().SequenceEqual(bytes.AsSpan(32, 32)))
        {
            key.Dispose();
            throw new FormatException("The secret key's public half does not match its seed.");
        }
        return key;
    }

    private static byte[] ParseJsonNumbers(string json)
    {
        var numbers = System.Text.Json.JsonSerializer.Deserialize<int[]>(json)
            ?? throw new FormatException("A JSON key file is an array of 64 numbers.");
        if (numbers.Any(n => n is < 0 or > 255))
        {
            throw new FormatException("A JSON key file holds bytes (0 to 255).");
        }
        return numbers.Select(n => (byte)n).ToArray();
    }

    /// <summary>The base58 secret form: seed ‖ public key.</summary>
    public string ExportSecret()
    {
        var seed = _key.Export(KeyBlobFormat.RawPrivateKey);
        var all = new byte[64];
        seed.CopyTo(all, 0);
        PublicKey.CopyTo(all, 32);
        return Base58Text.Encode(all);
    }

    /// <summary>Signs bytes; the result is the 64-byte Ed25519 signature.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) => Algorithm.Sign(_key, data);

    /// <summary>Signs the UTF-8 bytes of a message and returns the base58 signature.</summary>
    public string SignText(string message) => Base58Text.Encode(Sign(System.Text.Encoding.UTF8.GetBytes(message)));

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}

/// <summary>Ed25519 verification of signatures from any party.</summary>
public static class Ed25519
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;

    /// <summary>Length of a signature in bytes.</summary>
    public const int SignatureLength = 64;

    /// <summary>True when <paramref name="signature"/> is a valid signature of <paramref name="data"/> by the key.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != 32 || signature.Length != SignatureLength)
        {
            return false;
        }
        if (!PublicKey.TryImport(Algorithm, publicKey, KeyBlobFormat.RawPublicKey, out var key) || key is null)
        {
            return false;
        }
        return Algorithm.Verify(key, data, signature);
    }

    /// <summary>Verifies a base58 signature by a wallet address over the UTF-8 bytes of a message.</summary>
    public static bool VerifyText(string address, string message, string signatureBase58)
    {
        if (!WalletAddress.TryParse(address, out var publicKey, out _))
        {
            return false;
        }
        var signature = Base58Text.TryDecode(signatureBase58, 100);
        return signature is not null && Verify(publicKey, System.Text.Encoding.UTF8.GetBytes(message), signature);
    }
}

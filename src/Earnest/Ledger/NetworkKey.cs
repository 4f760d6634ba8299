using Earnest.Identity;

namespace Earnest.Ledger;

/// <summary>The network's signing key: it signs every receipt. Kept in a file readable only by its owner.</summary>
public sealed class NetworkKey : IDisposable
{
    private readonly WalletKey _key;

    /// <summary>Wraps an existing key.</summary>
    public NetworkKey(WalletKey key) => _key = key;

    /// <summary>The base58 public key that signs receipts.</summary>
    public string Signer => _key.Address;

    /// <summary>Loads the key from <paramref name="path"/>, creating it (mode 600) on first use.</summary>
    public static NetworkKey LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return new NetworkKey(WalletKey.Parse(File.ReadAllText(path)));
        }
        var key = WalletKey.Create();
        KeyFile.Write(path, key.ExportSecret());
        return new NetworkKey(key);
    }

    /// <summary>
    /// The receipt of a transfer's payload. Ed25519 signatures are deterministic (RFC 8032), so the signature made
    /// now is the same bytes whenever it is made: receipts are signed when shown, not stored.
    /// </summary>
    public Receipt Receipt(byte[] payload) =>
        new(Convert.ToBase64String(payload), Base58Text.Encode(_key.Sign(payload)), Signer);

    /// <summary>Signs a payload that was already encoded.</summary>
    public byte[] SignBytes(ReadOnlySpan<byte> payload) => _key.Sign(payload);

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}

/// <summary>Writes secret files with owner-only permissions from the first byte.</summary>
public static class KeyFile
{
    /// <summary>Creates <paramref name="path"/> with mode 600 and writes the text; refuses to overwrite.</summary>
    public static void Write(string path, string text)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
        writer.Write('\n');
    }
}

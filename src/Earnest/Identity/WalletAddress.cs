using System.Diagnostics.CodeAnalysis;
using SimpleBase;

namespace Earnest.Identity;

/// <summary>
/// A wallet address: base58 (Bitcoin alphabet) of a 32-byte Ed25519 public key, the text form Solana uses.
/// </summary>
public static class WalletAddress
{
    /// <summary>Length of an Ed25519 public key in bytes.</summary>
    public const int PublicKeyLength = 32;

    /// <summary>The longest base58 text a 32-byte key can have; bounds parsing work on hostile input.</summary>
    public const int MaxTextLength = 44;

    /// <summary>Encodes a public key as an address.</summary>
    public static string FromPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != PublicKeyLength)
        {
            throw new ArgumentException($"A public key has {PublicKeyLength} bytes.", nameof(publicKey));
        }
        return Base58.Bitcoin.Encode(publicKey);
    }

    /// <summary>Decodes an address to its public key, or says why it is not one.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out byte[]? publicKey, out string error)
    {
        publicKey = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "An address is required.";
            return false;
        }
        if (text.Length > MaxTextLength || !Base58Text.IsValid(text))
        {
            error = "An address is base58 (Bitcoin alphabet) of a 32-byte public key.";
            return false;
        }
        var bytes = Base58.Bitcoin.Decode(text);
        if (bytes.Length != PublicKeyLength)
        {
            error = $"An address decodes to {PublicKeyLength} bytes; this one decodes to {bytes.Length}.";
            return false;
        }
        publicKey = bytes;
        error = "";
        return true;
    }

    /// <summary>True when the text is a well-formed address.</summary>
    public static bool IsValid(string? text) => TryParse(text, out _, out _);
}

/// <summary>Base58 alphabet checks done before decoding, so decoding never throws on client input.</summary>
public static class Base58Text
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /// <summary>True when every character is in the Bitcoin base58 alphabet and the text is not empty.</summary>
    public static bool IsValid(string text)
    {
        if (text.Length == 0)
        {
            return false;
        }
        foreach (var c in text)
        {
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Decodes base58 text, or returns null when it is not base58.</summary>
    public static byte[]? TryDecode(string? text, int maxLength)
    {
        if (string.IsNullOrEmpty(text) || text.Length > maxLength || !IsValid(text))
        {
            return null;
        }
        return Base58.Bitcoin.Decode(text);
    }

    /// <summary>Encodes bytes as base58 text.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => Base58.Bitcoin.Encode(bytes);
}

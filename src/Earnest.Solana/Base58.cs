namespace Earnest.Solana;

/// <summary>Base58 (Bitcoin alphabet) text, checked before it is decoded so a bad character is named.</summary>
internal static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /// <summary>Encodes bytes.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => SimpleBase.Base58.Bitcoin.Encode(bytes);

    /// <summary>Decodes base58 text of any length (instruction data); an empty text is no bytes.</summary>
    public static byte[] DecodeData(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            if (!Alphabet.Contains(text[i], StringComparison.Ordinal))
            {
                throw new FormatException(
                    $"Base58 data has '{text[i]}' at position {i}, which is not in the base58 alphabet.");
            }
        }
        return text.Length == 0 ? [] : SimpleBase.Base58.Bitcoin.Decode(text);
    }

    /// <summary>
    /// Decodes text that must hold exactly <paramref name="length"/> bytes; <paramref name="what"/> names the value in
    /// the error ("A public key", "A signature").
    /// </summary>
    public static byte[] Decode(string? text, int length, string what)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw new FormatException($"{what} is base58 text of {length} bytes; the text is empty.");
        }
        // Base58 of n bytes is at most about 1.37 n characters; a bound keeps hostile input cheap.
        var longest = (length * 138 / 100) + 1;
        if (text.Length > longest)
        {
            throw new FormatException(
                $"{what} is base58 text of {length} bytes (at most {longest} characters); this text has {text.Length}.");
        }
        for (var i = 0; i < text.Length; i++)
        {
            if (!Alphabet.Contains(text[i], StringComparison.Ordinal))
            {
                throw new FormatException(
                    $"{what} is base58 text; '{text}' has '{text[i]}' at position {i}, which is not in the base58 alphabet.");
            }
        }
        var bytes = SimpleBase.Base58.Bitcoin.Decode(text);
        if (bytes.Length != length)
        {
            throw new FormatException($"{what} has {length} bytes; '{text}' decodes to {bytes.Length}.");
        }
        return bytes;
    }
}

using System.Globalization;
using System.Security.Cryptography;

namespace Earnest.Identity;

/// <summary>
/// The text a wallet signs to sign in, in the style of Sign-In With Solana (EIP-4361's layout): it names the
/// server's domain, the address, a one-time nonce and the issue and expiry times.
/// </summary>
public sealed record SignInChallenge(string Domain, string Address, string Nonce, DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt)
{
    /// <summary>The statement line of every sign-in message.</summary>
    public const string Statement = "Sign in to Earnest. This request costs nothing and moves no funds.";

    /// <summary>Creates a challenge with a fresh random nonce.</summary>
    public static SignInChallenge Create(string domain, string address, DateTimeOffset now, TimeSpan lifetime) =>
        new(domain, address, NewNonce(), now, now + lifetime);

    /// <summary>The exact message to sign (UTF-8, lines separated by '\n').</summary>
    public string Message =>
        $"{Domain} wants you to sign in with your Solana account:\n{Address}\n\n{Statement}\n\n" +
        $"URI: {Domain}\nVersion: 1\nNonce: {Nonce}\n" +
        $"Issued At: {Time.Format(IssuedAt)}\nExpiration Time: {Time.Format(ExpiresAt)}";

    /// <summary>Reads the nonce line out of a message, or null when the message has none.</summary>
    public static string? ReadNonce(string message)
    {
        const string prefix = "\nNonce: ";
        var start = message.IndexOf(prefix, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }
        start += prefix.Length;
        var end = message.IndexOf('\n', start);
        var nonce = end < 0 ? message[start..] : message[start..end];
        return nonce.Length is > 0 and <= 64 ? nonce : null;
    }

    private static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}

/// <summary>Bearer tokens and API keys: random secrets that the store keeps only as SHA-256 hashes.</summary>
public static class Secrets
{
    /// <summary>Creates a secret with a readable prefix ("et_" for session tokens, "ek_" for API keys).</summary>
    public static string Create(string prefix) =>
        prefix + Base58Text.Encode(RandomNumberGenerator.GetBytes(32));

    /// <summary>The hash under which a secret is stored and looked up.</summary>
    public static byte[] Hash(string secret) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret));
}

/// <summary>One way to write and read times: ISO 8601 UTC with microseconds, and Unix microseconds in storage.</summary>
public static class Time
{
    /// <summary>The format of <see cref="Format"/>: ISO 8601 UTC with six fractional digits.</summary>
    public const string Iso8601Micros = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>Formats a time as ISO 8601 UTC with six fractional digits.</summary>
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString(Iso8601Micros, CultureInfo.InvariantCulture);

    /// <summary><see cref="Format"/> as UTF-8 into a buffer (at least 27 bytes); the bytes written.</summary>
    public static int FormatUtf8(DateTimeOffset time, Span<byte> into) =>
        time.UtcDateTime.TryFormat(into, out var written, Iso8601Micros, CultureInfo.InvariantCulture)
            ? written
            : throw new ArgumentException("The buffer is too small for a timestamp.", nameof(into));

    /// <summary>Unix microseconds, the form times take in storage.</summary>
    public static long ToMicros(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>The time of Unix microseconds.</summary>
    public static DateTimeOffset FromMicros(long micros) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + micros * 10, TimeSpan.Zero);
}

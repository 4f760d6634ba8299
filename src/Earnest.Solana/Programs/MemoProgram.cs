using System.Text;

namespace Earnest.Solana.Programs;

/// <summary>
/// The SPL Memo program: records UTF-8 text in the transaction's log. Two deployments take the same instruction:
/// <see cref="Id"/>, the long-standing one, used by default here; and <see cref="V4Id"/>, its rewrite, which
/// @solana-program/memo (from 0.14) targets by default.
/// </summary>
public static class MemoProgram
{
    /// <summary>The SPL Memo program's address (the memo program wallets and explorers have long decoded).</summary>
    public static PublicKey Id { get; } = PublicKey.Parse("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");

    /// <summary>The rewritten memo program's address: the same instruction for less compute.</summary>
    public static PublicKey V4Id { get; } = PublicKey.Parse("Memo4c2pN8afCj432Lb7RMVKi9PbQnnW7ewFFaV3oAH");

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// A memo: the data is the text's UTF-8 bytes (no length, no terminator); each of <paramref name="signers"/> is
    /// a read-only signer, and the program fails unless they all signed.
    /// </summary>
    /// <exception cref="ArgumentException">The text has a lone surrogate, which has no UTF-8 form.</exception>
    public static Instruction Memo(string text, params IEnumerable<PublicKey> signers) => Memo(Id, text, signers);

    /// <summary>A memo for the memo program at <paramref name="programId"/> (<see cref="Id"/> or <see cref="V4Id"/>).</summary>
    /// <exception cref="ArgumentException">The text has a lone surrogate, which has no UTF-8 form.</exception>
    public static Instruction Memo(PublicKey programId, string text, params IEnumerable<PublicKey> signers)
    {
        ArgumentNullException.ThrowIfNull(programId);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(signers);
        byte[] data;
        try
        {
            data = StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException(
                $"A memo is UTF-8 text; this one has a lone surrogate (U+{(int)e.CharUnknown:X4}) at position {e.Index}.",
                nameof(text), e);
        }
        return new Instruction(programId, signers.Select(AccountMeta.ReadonlySigner), data);
    }
}

namespace Earnest.Solana.Programs;

/// <summary>
/// The Associated Token Account program: each (owner, mint) pair has one canonical token account, at a
/// program-derived address anyone can compute.
/// </summary>
public static class AssociatedTokenProgram
{
    /// <summary>The program's address.</summary>
    public static PublicKey Id { get; } = PublicKey.Parse("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

    /// <summary>The instruction byte of CreateIdempotent.</summary>
    public const byte CreateIdempotentDiscriminator = 1;

    /// <summary>
    /// The associated token account of <paramref name="owner"/> for <paramref name="mint"/>: the program-derived
    /// address of the seeds (owner, token program id, mint) under this program, with the canonical bump.
    /// </summary>
    public static PublicKey Address(PublicKey owner, PublicKey mint, PublicKey? tokenProgram = null) =>
        Find(owner, mint, tokenProgram).Address;

    /// <summary>The associated token account and its bump seed.</summary>
    public static (PublicKey Address, byte Bump) Find(PublicKey owner, PublicKey mint, PublicKey? tokenProgram = null)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(mint);
        return ProgramAddress.Find([owner.ToArray(), (tokenProgram ?? TokenProgram.Id).ToArray(), mint.ToArray()], Id);
    }

    /// <summary>
    /// CreateIdempotent: creates <paramref name="associatedAccount"/> (the associated token account of
    /// <paramref name="owner"/> for <paramref name="mint"/>), paid by <paramref name="payer"/>, and succeeds without
    /// change when it already exists. Accounts: payer (writable signer), the account (writable), owner, mint, the
    /// System program, the token program (read-only). Data: the byte 1.
    /// </summary>
    public static Instruction CreateIdempotent(PublicKey payer, PublicKey associatedAccount, PublicKey owner,
        PublicKey mint, PublicKey? tokenProgram = null) =>
        new(Id,
        [
            AccountMeta.WritableSigner(payer),
            AccountMeta.Writable(associatedAccount),
            AccountMeta.Readonly(owner),
            AccountMeta.Readonly(mint),
            AccountMeta.Readonly(SystemProgram.Id),
            AccountMeta.Readonly(tokenProgram ?? TokenProgram.Id),
        ], [CreateIdempotentDiscriminator]);

    /// <summary>CreateIdempotent for the associated token account of <paramref name="owner"/>, derived here.</summary>
    public static Instruction CreateIdempotent(PublicKey payer, PublicKey owner, PublicKey mint) =>
        CreateIdempotent(payer, Address(owner, mint), owner, mint);
}

using System.Buffers.Binary;

namespace Earnest.Solana.Programs;

/// <summary>The SPL Token program (the original one, not Token-2022).</summary>
public static class TokenProgram
{
    /// <summary>The program's address.</summary>
    public static PublicKey Id { get; } = PublicKey.Parse("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

    /// <summary>The discriminator of TransferChecked (one byte).</summary>
    public const byte TransferCheckedDiscriminator = 12;

    /// <summary>
    /// TransferChecked: moves <paramref name="amount"/> base units from the token account <paramref name="source"/>
    /// to <paramref name="destination"/>; the program refuses it unless <paramref name="mint"/> is the accounts' mint
    /// and <paramref name="decimals"/> its decimals. Accounts: source (writable), mint (read-only), destination
    /// (writable), authority (a read-only signer; for a multisig authority, read-only and followed by the signing
    /// members as read-only signers). Data: the byte 12, the amount as a little-endian u64, the decimals (10 bytes).
    /// </summary>
    public static Instruction TransferChecked(PublicKey source, PublicKey mint, PublicKey destination,
        PublicKey authority, ulong amount, byte decimals, IReadOnlyList<PublicKey>? multisigSigners = null)
    {
        ArgumentNullException.ThrowIfNull(authority);
        var members = multisigSigners ?? [];
        var data = new byte[10];
        data[0] = TransferCheckedDiscriminator;
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(1), amount);
        data[9] = decimals;
        List<AccountMeta> accounts =
        [
            AccountMeta.Writable(source),
            AccountMeta.Readonly(mint),
            AccountMeta.Writable(destination),
            new(authority, isSigner: members.Count == 0, isWritable: false),
            .. members.Select(AccountMeta.ReadonlySigner),
        ];
        return new Instruction(Id, accounts, data);
    }
}

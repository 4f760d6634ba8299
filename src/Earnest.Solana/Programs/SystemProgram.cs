using System.Buffers.Binary;

namespace Earnest.Solana.Programs;

/// <summary>The System program: accounts and lamports (SOL).</summary>
public static class SystemProgram
{
    /// <summary>The program's address.</summary>
    public static PublicKey Id { get; } = PublicKey.Parse("11111111111111111111111111111111");

    /// <summary>The discriminator of Transfer (a u32).</summary>
    public const uint TransferDiscriminator = 2;

    /// <summary>
    /// Transfer: moves <paramref name="lamports"/> from <paramref name="source"/> (a writable signer) to
    /// <paramref name="destination"/> (writable). Data: u32 2, then the amount as a u64, both little-endian (12 bytes).
    /// </summary>
    public static Instruction Transfer(PublicKey source, PublicKey destination, ulong lamports)
    {
        var data = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(data, TransferDiscriminator);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(4), lamports);
        return new Instruction(Id, [AccountMeta.WritableSigner(source), AccountMeta.Writable(destination)], data);
    }
}

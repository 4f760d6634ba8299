using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Earnest.Ledger;

/// <summary>
/// A block's header: what the network signs. The bytes (docs/ledger.md) are fixed-width big-endian, 108 bytes:
/// the 16 ASCII bytes <c>earnest/block/v1</c>, height (u64), previous block's hash (32), Merkle root of the block's
/// transfer payloads (32), transfer count (u32), sequence number of the first transfer (u64), closing time in Unix
/// microseconds (i64). The block hash is SHA-256 of these bytes; block 1's previous hash is 32 zero bytes.
/// </summary>
public sealed record BlockHeader(long Height, byte[] PreviousHash, byte[] MerkleRoot, int Count, long FirstSeq,
    long ClosedAtMicros)
{
    /// <summary>The header's first bytes: a domain tag, so a header signature is never a transfer's.</summary>
    public static readonly byte[] Magic = Encoding.ASCII.GetBytes("earnest/block/v1");

    /// <summary>Bytes of an encoded header.</summary>
    public const int Size = 16 + 8 + 32 + 32 + 4 + 8 + 8;

    /// <summary>Sequence number of the block's last transfer.</summary>
    public long LastSeq => FirstSeq + Count - 1;

    /// <summary>The exact bytes signed and hashed.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[Size];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt64BigEndian(span[16..], Height);
        PreviousHash.CopyTo(span[24..]);
        MerkleRoot.CopyTo(span[56..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[88..], (uint)Count);
        BinaryPrimitives.WriteInt64BigEndian(span[92..], FirstSeq);
        BinaryPrimitives.WriteInt64BigEndian(span[100..], ClosedAtMicros);
        return bytes;
    }

    /// <summary>The block hash: SHA-256 of the encoded header.</summary>
    public byte[] Hash() => SHA256.HashData(Encode());

    /// <summary>Reads header bytes; null when they are not a version-1 header.</summary>
    public static BlockHeader? TryDecode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size || !bytes[..16].SequenceEqual(Magic))
        {
            return null;
        }
        var count = BinaryPrimitives.ReadUInt32BigEndian(bytes[88..]);
        if (count > int.MaxValue)
        {
            return null;
        }
        return new BlockHeader(BinaryPrimitives.ReadInt64BigEndian(bytes[16..]), bytes[24..56].ToArray(),
            bytes[56..88].ToArray(), (int)count, BinaryPrimitives.ReadInt64BigEndian(bytes[92..]),
            BinaryPrimitives.ReadInt64BigEndian(bytes[100..]));
    }

    /// <summary>The previous hash of block 1.</summary>
    public static byte[] GenesisHash => new byte[32];
}

/// <summary>A signed block header as clients see it.</summary>
/// <param name="Height">Position in the chain, from 1.</param>
/// <param name="Hash">Hex SHA-256 of the header bytes.</param>
/// <param name="PreviousHash">Hex hash of the previous block (zeros for block 1).</param>
/// <param name="MerkleRoot">Hex Merkle root of the block's transfer payloads.</param>
/// <param name="Count">Transfers in the block.</param>
/// <param name="FirstSeq">Ledger sequence number of the block's first transfer.</param>
/// <param name="ClosedAt">When the block closed.</param>
/// <param name="Header">Base64 of the exact header bytes the signature covers.</param>
/// <param name="Signature">Base58 Ed25519 signature of the network over the header bytes.</param>
public sealed record BlockView(long Height, string Hash, string PreviousHash, string MerkleRoot, int Count,
    long FirstSeq, DateTimeOffset ClosedAt, string Header, string Signature)
{
    /// <summary>The view of a header and its signature.</summary>
    public static BlockView Of(BlockHeader header, byte[] signature) => new(header.Height,
        Convert.ToHexStringLower(header.Hash()), Convert.ToHexStringLower(header.PreviousHash),
        Convert.ToHexStringLower(header.MerkleRoot), header.Count, header.FirstSeq,
        Identity.Time.FromMicros(header.ClosedAtMicros), Convert.ToBase64String(header.Encode()),
        Identity.Base58Text.Encode(signature));
}

/// <summary>A block and the ids of its transfers, in order.</summary>
public sealed record BlockDetailView(BlockView Block, IReadOnlyList<string> TransferIds);

/// <summary>The signed block of a receipt, as a receipt carries it.</summary>
/// <param name="Height">The block's height.</param>
/// <param name="Header">Base64 of the header bytes.</param>
/// <param name="Signature">Base58 Ed25519 signature over the header bytes.</param>
public sealed record ReceiptBlock(long Height, string Header, string Signature);

/// <summary>A Merkle audit path from a transfer's payload to its block's root.</summary>
/// <param name="Index">The transfer's position in the block, from 0.</param>
/// <param name="Size">Transfers in the block.</param>
/// <param name="Path">Base64 sibling hashes, leaf level first.</param>
public sealed record MerkleProof(int Index, int Size, IReadOnlyList<string> Path)
{
    /// <inheritdoc />
    public bool Equals(MerkleProof? other) =>
        other is not null && Index == other.Index && Size == other.Size && Path.SequenceEqual(other.Path);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Index, Size, Path.Count);
}

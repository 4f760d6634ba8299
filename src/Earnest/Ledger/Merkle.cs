using System.Security.Cryptography;

namespace Earnest.Ledger;

/// <summary>
/// The Merkle tree of RFC 6962 (section 2.1) over a block's transfer payloads: leaf = SHA-256(0x00 ‖ payload),
/// node = SHA-256(0x01 ‖ left ‖ right); a level with an odd count carries its last node up unhashed, which gives
/// exactly RFC 6962's split at the largest power of two below the size. Audit paths are RFC 6962's PATH(m, D[n]) and
/// are checked with RFC 9162's algorithm (section 2.1.3.2).
/// </summary>
public sealed class MerkleTree
{
    /// <summary>Bytes of a hash.</summary>
    public const int HashSize = 32;

    private const int ParallelLeaves = 512;

    private readonly byte[][] _levels;

    private MerkleTree(byte[][] levels, int size)
    {
        _levels = levels;
        Size = size;
    }

    /// <summary>Leaves in the tree.</summary>
    public int Size { get; }

    /// <summary>The root hash (of an empty tree: SHA-256 of nothing).</summary>
    public ReadOnlySpan<byte> Root => Size == 0 ? SHA256.HashData(ReadOnlySpan<byte>.Empty) : _levels[^1].AsSpan(0, HashSize);

    /// <summary>The leaf hash of a payload: SHA-256(0x00 ‖ payload).</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> payload)
    {
        var hash = new byte[HashSize];
        LeafHash(payload, hash);
        return hash;
    }

    /// <summary>The leaf hash of a payload, written into <paramref name="into"/>.</summary>
    public static void LeafHash(ReadOnlySpan<byte> payload, Span<byte> into)
    {
        var rented = payload.Length < 1024 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(payload.Length + 1);
        var buffer = rented is null ? stackalloc byte[payload.Length + 1] : rented.AsSpan(0, payload.Length + 1);
        buffer[0] = 0x00;
        payload.CopyTo(buffer[1..]);
        SHA256.HashData(buffer, into);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>An interior node: SHA-256(0x01 ‖ left ‖ right), written into <paramref name="into"/>.</summary>
    public static void NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> into)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * HashSize];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashSize)..]);
        SHA256.HashData(buffer, into);
    }

    /// <summary>Builds the tree over payloads, hashing each into a leaf.</summary>
    public static MerkleTree Build(IReadOnlyList<byte[]> payloads)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        var leaves = new byte[payloads.Count * HashSize];
        if (payloads.Count < ParallelLeaves)
        {
            for (var i = 0; i < payloads.Count; i++)
            {
                LeafHash(payloads[i], leaves.AsSpan(i * HashSize, HashSize));
            }
        }
        else
        {
            // A big block's leaves are hashed on every core (the result does not depend on the order).
            Parallel.For(0, (payloads.Count + ParallelLeaves - 1) / ParallelLeaves, chunk =>
            {
                var end = Math.Min(payloads.Count, (chunk + 1) * ParallelLeaves);
                for (var i = chunk * ParallelLeaves; i < end; i++)
                {
                    LeafHash(payloads[i], leaves.AsSpan(i * HashSize, HashSize));
                }
            });
        }
        return FromLeaves(leaves, payloads.Count);
    }

    /// <summary>Builds the tree over leaf hashes laid end to end.</summary>
    public static MerkleTree FromLeaves(byte[] leaves, int size)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        var levels = new List<byte[]> { leaves };
        var count = size;
        while (count > 1)
        {
            var below = levels[^1];
            var next = new byte[(count + 1) / 2 * HashSize];
            for (var i = 0; i + 1 < count; i += 2)
            {
                NodeHash(below.AsSpan(i * HashSize, HashSize), below.AsSpan((i + 1) * HashSize, HashSize),
                    next.AsSpan(i / 2 * HashSize, HashSize));
            }
            if (count % 2 == 1)
            {
                below.AsSpan((count - 1) * HashSize, HashSize).CopyTo(next.AsSpan((count - 1) / 2 * HashSize));
            }
            levels.Add(next);
            count = (count + 1) / 2;
        }
        return new MerkleTree([.. levels], size);
    }

    /// <summary>The audit path of leaf <paramref name="index"/>, from the leaf's sibling up to the root's child.</summary>
    public byte[][] Path(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        var path = new List<byte[]>(32);
        var count = Size;
        for (var level = 0; count > 1; level++)
        {
            var sibling = index ^ 1;
            if (sibling < count)
            {
                path.Add(_levels[level].AsSpan(sibling * HashSize, HashSize).ToArray());
            }
            index >>= 1;
            count = (count + 1) / 2;
        }
        return [.. path];
    }

    /// <summary>
    /// RFC 9162 (2.1.3.2): true when <paramref name="path"/> proves that <paramref name="leafHash"/> is leaf
    /// <paramref name="index"/> of a tree of <paramref name="size"/> leaves with root <paramref name="root"/>.
    /// </summary>
    public static bool VerifyInclusion(ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> path,
        ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (index < 0 || index >= size || leafHash.Length != HashSize || root.Length != HashSize)
        {
            return false;
        }
        var fn = index;
        var sn = size - 1;
        Span<byte> r = stackalloc byte[HashSize];
        leafHash.CopyTo(r);
        foreach (var p in path)
        {
            if (sn == 0 || p.Length != HashSize)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                NodeHash(p, r, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                NodeHash(r, p, r);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.SequenceEqual(root);
    }
}

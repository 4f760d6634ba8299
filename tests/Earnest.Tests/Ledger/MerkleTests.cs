using System.Security.Cryptography;
using Earnest.Ledger;
using Xunit;

namespace Earnest.Tests.Ledger;

/// <summary>The RFC 6962 tree: published test vectors, the recursive definition, and audit paths.</summary>
public sealed class MerkleTests
{
    // The inputs of the Certificate Transparency reference tests (merkle_tree_test), whose roots are published.
    private static readonly byte[][] Inputs =
    [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ];

    [Theory]
    [InlineData(1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")]
    [InlineData(2, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]
    [InlineData(3, "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77")]
    [InlineData(4, "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    [InlineData(5, "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4")]
    [InlineData(6, "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef")]
    [InlineData(7, "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c")]
    [InlineData(8, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
    public void roots_match_the_published_rfc_6962_vectors(int size, string root) =>
        Assert.Equal(root, Convert.ToHexStringLower(MerkleTree.Build(Inputs[..size]).Root));

    [Fact]
    public void roots_match_the_recursive_definition_for_every_size_up_to_70()
    {
        var random = new Random(6962);
        for (var n = 1; n <= 70; n++)
        {
            var payloads = Enumerable.Range(0, n).Select(_ =>
            {
                var p = new byte[random.Next(0, 40)];
                random.NextBytes(p);
                return p;
            }).ToList();
            Assert.Equal(Convert.ToHexString(Recursive(payloads)), Convert.ToHexString(MerkleTree.Build(payloads).Root));
        }
    }

    [Fact]
    public void every_audit_path_verifies_and_any_change_breaks_it()
    {
        for (var n = 1; n <= 33; n++)
        {
            var payloads = Enumerable.Range(0, n).Select(i => BitConverter.GetBytes(i * 7919)).ToList();
            var tree = MerkleTree.Build(payloads);
            var root = tree.Root.ToArray();
            for (var i = 0; i < n; i++)
            {
                var leaf = MerkleTree.LeafHash(payloads[i]);
                var path = tree.Path(i);
                Assert.True(MerkleTree.VerifyInclusion(leaf, i, n, path, root), $"size {n} index {i}");
                Assert.True(path.Length <= Math.Ceiling(Math.Log2(n)));
                if (n > 1)
                {
                    Assert.False(MerkleTree.VerifyInclusion(leaf, (i + 1) % n, n, path, root), $"moved index, size {n} index {i}");
                    Assert.False(MerkleTree.VerifyInclusion(MerkleTree.LeafHash([.. payloads[i], 1]), i, n, path, root));
                    var bent = path.Select(p => p.ToArray()).ToArray();
                    bent[0][0] ^= 1;
                    Assert.False(MerkleTree.VerifyInclusion(leaf, i, n, bent, root));
                    Assert.False(MerkleTree.VerifyInclusion(leaf, i, n, path[..^1], root));
                }
                // (A path alone does not pin the tree's size — size 3's path of leaf 0 also fits size 4 — which is
                // why a receipt's size must equal the count in its signed block header.)
                Assert.False(MerkleTree.VerifyInclusion(leaf, i, n, path, MerkleTree.LeafHash([9])));
            }
        }
    }

    [Fact]
    public void a_block_header_round_trips_through_its_108_bytes()
    {
        var header = new BlockHeader(7, SHA256.HashData("prev"u8), SHA256.HashData("root"u8), 12, 1234, 1_795_000_000_123_456);
        var bytes = header.Encode();
        Assert.Equal(BlockHeader.Size, bytes.Length);
        Assert.Equal("earnest/block/v1", System.Text.Encoding.ASCII.GetString(bytes, 0, 16));
        var back = BlockHeader.TryDecode(bytes)!;
        Assert.Equal((7L, 12, 1234L, 1_795_000_000_123_456L), (back.Height, back.Count, back.FirstSeq, back.ClosedAtMicros));
        Assert.Equal(header.PreviousHash, back.PreviousHash);
        Assert.Equal(header.MerkleRoot, back.MerkleRoot);
        Assert.Equal(1245L, back.LastSeq);
        bytes[0] ^= 1;
        Assert.Null(BlockHeader.TryDecode(bytes));
        Assert.Null(BlockHeader.TryDecode(bytes[..^1]));
    }

    /// <summary>MTH as RFC 6962 defines it, recursively.</summary>
    private static byte[] Recursive(IReadOnlyList<byte[]> d)
    {
        if (d.Count == 1)
        {
            return MerkleTree.LeafHash(d[0]);
        }
        var k = 1;
        while (k * 2 < d.Count)
        {
            k *= 2;
        }
        var node = new byte[32];
        MerkleTree.NodeHash(Recursive(d.Take(k).ToList()), Recursive(d.Skip(k).ToList()), node);
        return node;
    }
}

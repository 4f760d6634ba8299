using System.Text;
using System.Text.Json.Nodes;
using Earnest.Solana;
using Earnest.Solana.Programs;
using Xunit;

namespace Earnest.Tests.Solana;

/// <summary>
/// The acceptance test of the Solana encoder: a seeded corpus of transactions (<see cref="KitCorpus"/>) is built and
/// signed by Earnest and, from a JSON description, by @solana/kit with the official program clients
/// (tests/clients/solana/encode.mjs); every wire transaction must be equal byte for byte, and every transaction kit
/// refuses Earnest must refuse. Program-derived addresses and the curve check are compared the same way.
/// </summary>
public sealed class KitCorpusTests
{
    private const int Seed = 20_251_130;

    [Fact]
    public async Task every_corpus_transaction_serializes_byte_for_byte_as_solana_kit_does()
    {
        var corpus = KitCorpus.Generate(Seed);
        Assert.True(corpus.Count >= 50, $"the corpus has {corpus.Count} transactions; it should have at least 50");
        var input = new JsonObject { ["transactions"] = new JsonArray([.. corpus.Select(c => c.ToJson())]) };
        var output = await KitReference.RunAsync(input, "solana-corpus");
        if (output is null)
        {
            return;
        }
        var results = output["transactions"]!.AsArray();
        Assert.Equal(corpus.Count, results.Count);

        int equal = 0, refused = 0, withLookups = 0, partlySigned = 0;
        for (var i = 0; i < corpus.Count; i++)
        {
            var kase = corpus[i];
            var kit = results[i]!.AsObject();
            Assert.Equal(kase.Name, kit["name"]!.GetValue<string>());
            var (transaction, refusal) = kase.BuildWithEarnest();
            var wire = transaction?.Serialize();
            var kitError = kit["error"]?.GetValue<string>();
            if (kitError is not null || refusal is not null)
            {
                if (kitError is null)
                {
                    Assert.Fail($"case {kase.Name}: kit builds it but Earnest refuses it: {refusal!.Message}");
                }
                if (refusal is null)
                {
                    Assert.Fail($"case {kase.Name}: kit refuses it ({kitError}) but Earnest builds it: {Convert.ToBase64String(wire!)}");
                }
                refused++;
                continue;
            }
            var expected = Convert.FromBase64String(kit["wire"]!.GetValue<string>());
            if (!expected.AsSpan().SequenceEqual(wire))
            {
                Assert.Fail(Difference(kase, expected, wire!));
            }
            equal++;
            withLookups += transaction!.Message.AddressTableLookups.Count > 0 ? 1 : 0;
            partlySigned += transaction.IsFullySigned ? 0 : 1;
        }
        Assert.True(equal >= 50, $"only {equal} transactions were compared byte for byte");
        Assert.True(refused >= 5, $"only {refused} transactions were refused by both");
        Assert.True(withLookups >= 4, $"only {withLookups} transactions load accounts from lookup tables");
        Assert.True(partlySigned >= 3, $"only {partlySigned} transactions leave a signature slot empty");
        Assert.Contains(corpus, c => c.Version == MessageVersion.Legacy);
        Assert.Contains(corpus, c => c.Version == MessageVersion.V0);
    }

    [Fact]
    public async Task program_derived_and_associated_token_addresses_match_solana_kit()
    {
        var random = new Random(Seed + 1);
        var queries = new List<(PublicKey Address, byte Bump, JsonObject Json)>();
        for (var i = 0; i < 40; i++)
        {
            var owner = RandomKey(random);
            var mint = RandomKey(random);
            var (ata, bump) = AssociatedTokenProgram.Find(owner, mint);
            queries.Add((ata, bump, new JsonObject
            {
                ["ata"] = new JsonObject { ["owner"] = owner.ToString(), ["mint"] = mint.ToString() },
            }));
        }
        for (var i = 0; i < 60; i++)
        {
            var program = RandomKey(random);
            var seeds = Enumerable.Range(0, random.Next(0, 5)).Select(_ =>
            {
                var seed = new byte[random.Next(0, 33)];
                random.NextBytes(seed);
                return seed;
            }).ToList();
            var (address, bump) = ProgramAddress.Find(seeds, program);
            queries.Add((address, bump, new JsonObject
            {
                ["program"] = program.ToString(),
                ["seeds"] = new JsonArray([.. seeds.Select(s => JsonValue.Create(Convert.ToHexStringLower(s)))]),
            }));
        }
        var output = await KitReference.RunAsync(
            new JsonObject { ["programAddresses"] = new JsonArray([.. queries.Select(q => q.Json)]) }, "solana-addresses");
        if (output is null)
        {
            return;
        }
        var kit = output["addresses"]!.AsArray();
        Assert.Equal(queries.Count, kit.Count);
        for (var i = 0; i < queries.Count; i++)
        {
            var (address, bump, json) = queries[i];
            var expected = (kit[i]!["address"]!.GetValue<string>(), kit[i]!["bump"]!.GetValue<int>());
            Assert.True(expected == (address.ToString(), bump),
                $"query {i} {json.ToJsonString()}: kit derives {expected}, Earnest ({address}, {bump})");
        }
        // Bumps below 255 happen about half the time: the curve check decided them.
        Assert.Contains(queries, q => q.Bump < 255);
    }

    [Fact]
    public async Task the_curve_check_agrees_with_solana_kit_on_random_bytes_keys_and_edge_points()
    {
        var random = new Random(Seed + 2);
        var samples = new List<byte[]>();
        for (var i = 0; i < 300; i++)
        {
            var bytes = new byte[32];
            random.NextBytes(bytes);
            samples.Add(bytes);
        }
        for (var i = 0; i < 20; i++)
        {
            var seed = new byte[32];
            random.NextBytes(seed);
            using var key = Keypair.FromSeed(seed);
            samples.Add(key.PublicKey.ToArray()); // every public key is on the curve
        }
        samples.AddRange(EdgePoints());
        var output = await KitReference.RunAsync(
            new JsonObject { ["curve"] = new JsonArray([.. samples.Select(s => JsonValue.Create(Convert.ToHexStringLower(s)))]) },
            "solana-curve");
        if (output is null)
        {
            return;
        }
        var kit = output["onCurve"]!.AsArray();
        Assert.Equal(samples.Count, kit.Count);
        for (var i = 0; i < samples.Count; i++)
        {
            var expected = kit[i]!.GetValue<bool>();
            Assert.True(expected == Ed25519Curve.IsOnCurve(samples[i]),
                $"{Convert.ToHexStringLower(samples[i])}: kit says on curve = {expected}, Earnest the opposite");
        }
        Assert.Contains(kit, v => v!.GetValue<bool>());
        Assert.Contains(kit, v => !v!.GetValue<bool>());
    }

    [Fact]
    public async Task account_order_within_a_class_is_kits_address_comparator_even_where_only_case_differs()
    {
        // Random addresses almost never differ only in case or by a prefix, so the corpus cannot tell those rules
        // apart; these pairs are made to: the same text with letters' case flipped, prefixes, digits against letters.
        const string alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        var random = new Random(Seed + 3);
        string RandomText(int length) => new([.. Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])]);
        string FlipSomeCase(string text) => new([.. text.Select(c =>
        {
            var flipped = char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c);
            return random.Next(3) == 0 && alphabet.Contains(flipped, StringComparison.Ordinal) ? flipped : c;
        })]);
        var pairs = new List<(string X, string Y)>
        {
            ("a", "B"), ("B", "a"), ("a", "A"), ("A", "a"), ("9", "a"), ("Z", "a"), ("abc", "ab"), ("ab", "aB"),
            ("aB", "Ab"), ("11111111111111111111111111111111", "So11111111111111111111111111111111111111112"),
        };
        for (var i = 0; i < 400; i++)
        {
            var x = RandomText(random.Next(1, 8));
            pairs.Add(random.Next(4) switch
            {
                0 => (x, FlipSomeCase(x)),
                1 => (x, FlipSomeCase(x + RandomText(random.Next(0, 2)))),
                2 => (FlipSomeCase(x), x[..Math.Max(1, x.Length - 1)]),
                _ => (x, RandomText(random.Next(1, 8))),
            });
        }
        var output = await KitReference.RunAsync(new JsonObject
        {
            ["compare"] = new JsonArray([.. pairs.Select(p => new JsonArray(p.X, p.Y))]),
        }, "solana-order");
        if (output is null)
        {
            return;
        }
        var kit = output["order"]!.AsArray();
        Assert.Equal(pairs.Count, kit.Count);
        for (var i = 0; i < pairs.Count; i++)
        {
            var (x, y) = pairs[i];
            var expected = kit[i]!.GetValue<int>();
            Assert.True(expected == Math.Sign(AddressOrder.Compare(x, y)),
                $"kit orders \"{x}\" against \"{y}\" as {expected}, Earnest as {Math.Sign(AddressOrder.Compare(x, y))}");
        }
    }

    /// <summary>y = 0, 1, p − 1, p, p + 1 and 2^255 − 1, each with and without the sign bit (little-endian).</summary>
    internal static IEnumerable<byte[]> EdgePoints()
    {
        var p = System.Numerics.BigInteger.Pow(2, 255) - 19;
        System.Numerics.BigInteger[] ys = [0, 1, p - 1, p, p + 1, System.Numerics.BigInteger.Pow(2, 255) - 1];
        foreach (var y in ys)
        {
            var bytes = new byte[32];
            y.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false);
            yield return (byte[])bytes.Clone();
            bytes[31] |= 0x80;
            yield return bytes;
        }
    }

    private static PublicKey RandomKey(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return PublicKey.FromBytes(bytes);
    }

    /// <summary>The first differing byte, and both sides' headers and account lists, to see an ordering mistake.</summary>
    private static string Difference(KitCase kase, byte[] expected, byte[] actual)
    {
        var text = new StringBuilder();
        text.AppendLine($"case {kase.Name} ({kase.Version}) differs from kit at byte {FirstDifference(expected, actual)} " +
            $"(kit {expected.Length} bytes, Earnest {actual.Length}).");
        var (kitMessage, earnestMessage) = (MessagePart(expected), MessagePart(actual));
        if (kitMessage is not null && earnestMessage is not null)
        {
            // A different message changes every signature too; where the messages part is what matters.
            text.AppendLine($"The messages (after the signatures) first differ at their byte {FirstDifference(kitMessage, earnestMessage)}.");
        }
        text.AppendLine($"kit:     {Accounts(expected)}");
        text.AppendLine($"Earnest: {Accounts(actual)}");
        text.AppendLine($"kit wire:     {Convert.ToBase64String(expected)}");
        text.AppendLine($"Earnest wire: {Convert.ToBase64String(actual)}");
        text.Append($"description: {kase.ToJson().ToJsonString()}");
        return text.ToString();
    }

    private static int FirstDifference(byte[] a, byte[] b)
    {
        var offset = 0;
        while (offset < a.Length && offset < b.Length && a[offset] == b[offset])
        {
            offset++;
        }
        return offset;
    }

    private static byte[]? MessagePart(byte[] wire)
    {
        try
        {
            var (signatures, length) = ShortVec.Read(wire);
            var start = length + (signatures * Signature.Length);
            return start <= wire.Length ? wire[start..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Accounts(byte[] wire)
    {
        try
        {
            var (signatures, at) = ShortVec.Read(wire);
            at += signatures * Signature.Length;
            var version = (wire[at] & 0x80) != 0 ? "v" + (wire[at++] & 0x7f) : "legacy";
            var header = $"[{wire[at]}, {wire[at + 1]}, {wire[at + 2]}]";
            at += 3;
            var (count, length) = ShortVec.Read(wire.AsSpan(at));
            at += length;
            var accounts = Enumerable.Range(0, count)
                .Select(k => PublicKey.FromBytes(wire.AsSpan(at + (k * PublicKey.Length), PublicKey.Length)).ToString());
            return $"{version}, {signatures} signatures, header {header}, accounts {string.Join(" ", accounts)}";
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            return $"(unreadable: {e.Message})";
        }
    }
}

using Dapper;
using Earnest.Audit;
using Earnest.Ledger;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Ledger;

/// <summary>
/// Random sequences of the ledger's money movements across several assets — issue an asset, mint (within and above
/// its cap), fund an escrow, pay from it, refund it, retries and conflicting retries — posted as pieces of the
/// writer's group commits, some of which fail after posting (they throw, or roll back) and must leave no trace
/// though they share a commit with pieces that succeed. A model of balances and supplies predicts every answer;
/// after every round the store agrees with the model, every asset sums to zero, no supply is above its cap, and
/// the audit passes. Each seed reproduces its sequence.
/// </summary>
public sealed class AssetPropertyTests
{
    private sealed record Op(string Name, TransferRequest Request, Outcome Fate);

    /// <summary>What happens to the piece of work after it posts.</summary>
    private enum Outcome { Keep, Throw, Rollback }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task random_multi_asset_histories_keep_every_invariant_and_failed_pieces_change_nothing(int seed)
    {
        await using var t = await TestNode.StartAsync();
        var random = new Random(seed);
        var caps = new Dictionary<string, long> { ["EARN"] = long.MaxValue };
        var model = new Dictionary<(string Account, string Asset), long>();
        var posted = new Dictionary<string, TransferRequest>(StringComparer.Ordinal);
        string[] people = [.. Enumerable.Range(0, 4).Select(_ => TestNode.NewAddress())];
        string[] escrows = ["escrow:c1", "escrow:c2"];
        var step = 0;

        for (var round = 0; round < 40; round++)
        {
            if (round % 8 == 0)
            {
                var symbol = $"A{round}";
                var cap = random.Next(1_000, 50_000);
                Assert.True(await t.Node.Database.WriteAsync(tx =>
                    Postings.AddAsset(tx, t.Node.Key, new Asset(symbol, random.Next(0, 9), people[0], cap))));
                caps[symbol] = cap;
            }
            var ops = Enumerable.Range(0, random.Next(1, 12))
                .Select(_ => NextOp(random, caps.Keys.ToArray(), people, escrows, posted, step++)).ToList();
            // Every piece of the round is queued at once, so they share group commits.
            var results = await Task.WhenAll(ops.Select(op => Run(t, op)));
            // The writer ran the pieces in queue order: replay the model in the same order.
            for (var i = 0; i < ops.Count; i++)
            {
                var op = ops[i];
                var expected = Expect(model, caps, posted, op.Request);
                Assert.True(expected == results[i], $"seed {seed} round {round}: {op.Name} {op.Request} gave {results[i]}, model says {expected}");
                if (expected == TransferResult.Ok && op.Fate == Outcome.Keep)
                {
                    var r = op.Request;
                    model[(r.Debit, r.Asset)] = model.GetValueOrDefault((r.Debit, r.Asset)) - r.Amount;
                    model[(r.Credit, r.Asset)] = model.GetValueOrDefault((r.Credit, r.Asset)) + r.Amount;
                    posted[r.Id] = r;
                }
            }
            var stored = t.Node.Database.Read(c => c.Query<(string Account, string Asset, long Amount)>(
                "SELECT account, asset, amount FROM balances").ToDictionary(b => (b.Account, b.Asset), b => b.Amount));
            foreach (var (key, amount) in model)
            {
                Assert.True(amount == stored.GetValueOrDefault(key), $"seed {seed} round {round}: {key} is {stored.GetValueOrDefault(key)}, model {amount}");
            }
            Assert.Equal(posted.Count, t.Node.Database.Read(c => c.ExecuteScalar<long>("SELECT COUNT(*) FROM transfers")));
            foreach (var asset in caps.Keys)
            {
                Assert.Equal(0, stored.Where(b => b.Key.Asset == asset).Sum(b => b.Value));
                Assert.True(-stored.GetValueOrDefault((SystemAccounts.Issuance(asset), asset)) <= caps[asset]);
            }
            Assert.All(stored.Where(b => !SystemAccounts.IsIssuance(b.Key.Account)), b => Assert.True(b.Value >= 0));
        }
        // The ledger's audit (its payouts pay no campaign's submissions, so campaigns are not audited).
        var audit = Auditor.Run(t.Node.Options.DataFolder, market: false);
        Assert.True(audit.Passed, audit.Failure);
    }

    private static async Task<TransferResult> Run(TestNode t, Op op)
    {
        try
        {
            return await t.Node.Database.WriteAsync(tx =>
            {
                var result = Postings.Post(tx, t.Node.Key, op.Request, out _);
                switch (op.Fate)
                {
                    case Outcome.Throw when result == TransferResult.Ok:
                        throw new InvalidOperationException("a failure after posting");
                    case Outcome.Rollback:
                        tx.Rollback();
                        break;
                }
                return result;
            });
        }
        catch (InvalidOperationException)
        {
            return TransferResult.Ok; // it posted, then failed: the model keeps nothing of it
        }
    }

    private static Op NextOp(Random random, string[] assets, string[] people, string[] escrows,
        Dictionary<string, TransferRequest> posted, int step)
    {
        var fate = random.Next(10) switch { 0 => Outcome.Throw, 1 => Outcome.Rollback, _ => Outcome.Keep };
        var roll = random.Next(100);
        if (roll < 8 && posted.Count > 0)
        {
            var old = posted.Values.ElementAt(random.Next(posted.Count));
            return new Op("retry", old, fate);
        }
        if (roll < 12 && posted.Count > 0)
        {
            var old = posted.Values.ElementAt(random.Next(posted.Count));
            return new Op("conflicting retry", old with { Amount = old.Amount + 1 }, fate);
        }
        var asset = assets[random.Next(assets.Length)];
        var person = people[random.Next(people.Length)];
        var escrow = escrows[random.Next(escrows.Length)];
        var amount = random.Next(1, 6_000);
        return roll switch
        {
            < 40 => new Op("mint", new TransferRequest($"mint-{step}", SystemAccounts.Issuance(asset), person, asset,
                amount, TransferKinds.Mint, null), fate),
            < 60 => new Op("fund", new TransferRequest($"fund-{step}", person, escrow, asset, amount, TransferKinds.Fund,
                escrow), fate),
            < 85 => new Op("pay", new TransferRequest($"payout-{step}", escrow, person, asset, amount / 4 + 1,
                TransferKinds.Payout, $"sub-{step}"), fate),
            _ => new Op("refund", new TransferRequest($"refund-{step}", escrow, people[0], asset, amount / 2 + 1,
                TransferKinds.Refund, escrow), fate),
        };
    }

    /// <summary>The model's answer, in the documented precedence.</summary>
    private static TransferResult Expect(Dictionary<(string, string), long> model, Dictionary<string, long> caps,
        Dictionary<string, TransferRequest> posted, TransferRequest r)
    {
        if (!caps.ContainsKey(r.Asset)) return TransferResult.AssetNotFound;
        if (posted.TryGetValue(r.Id, out var existing))
        {
            return existing == r ? TransferResult.Exists : TransferResult.ExistsWithDifferentFields;
        }
        var balance = model.GetValueOrDefault((r.Debit, r.Asset));
        if (SystemAccounts.IsIssuance(r.Debit))
        {
            return r.Amount > caps[r.Asset] + balance ? TransferResult.ExceedsMaxSupply : TransferResult.Ok;
        }
        return balance < r.Amount ? TransferResult.InsufficientFunds : TransferResult.Ok;
    }
}

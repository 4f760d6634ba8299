using Dapper;
using Earnest.Ledger;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Ledger;

/// <summary>
/// Random sequences of transfers (valid and invalid, retries, conflicting ids) against a model of the balances:
/// after every step the store must agree with the model, balances must sum to zero, and a refused transfer must
/// change nothing. Each seed reproduces its sequence.
/// </summary>
public sealed class LedgerPropertyTests
{
    private const string Asset = "EARN";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task random_transfer_sequences_keep_every_invariant(int seed)
    {
        await using var t = await TestNode.StartAsync();
        var random = new Random(seed);
        string[] accounts = [.. Enumerable.Range(0, 5).Select(_ => TestNode.NewAddress()), SystemAccounts.Issuance(Asset)];
        var model = accounts.ToDictionary(a => a, _ => 0L);
        var posted = new List<TransferRequest>();

        for (var step = 0; step < 300; step++)
        {
            var request = NextRequest(random, accounts, posted, step);
            var before = Snapshot(t);
            var (result, transfer) = await t.Node.Database.WriteAsync(tx =>
            {
                var r = Postings.Post(tx, t.Node.Key, request, out var p);
                return (r, p);
            });
            var expected = Expect(model, posted, request);
            Assert.True(expected == result, $"seed {seed} step {step}: {request} gave {result}, model says {expected}");
            if (result == TransferResult.Ok)
            {
                model[request.Debit] -= request.Amount;
                model[request.Credit] += request.Amount;
                posted.Add(request);
                Assert.Null(transfer!.Receipt.Verify(t.Node.Key.Signer));
            }
            else
            {
                Assert.Equal(before, Snapshot(t));
            }
            if (result == TransferResult.Exists)
            {
                Assert.Equal(request.Id, transfer!.Transfer.Id);
            }
        }

        var stored = Snapshot(t);
        foreach (var account in accounts)
        {
            Assert.Equal(model[account], stored.Balances.GetValueOrDefault(account));
        }
        Assert.Equal(0, stored.Balances.Values.Sum());
        Assert.Equal(posted.Count, stored.Transfers);
        Assert.All(stored.Balances.Where(b => !SystemAccounts.IsIssuance(b.Key)), b => Assert.True(b.Value >= 0));
    }

    private static TransferRequest NextRequest(Random random, string[] accounts, List<TransferRequest> posted, int step)
    {
        var roll = random.Next(100);
        if (roll < 10 && posted.Count > 0)
        {
            return posted[random.Next(posted.Count)]; // a retry of a posted transfer
        }
        if (roll < 15 && posted.Count > 0)
        {
            var old = posted[random.Next(posted.Count)];
            return old with { Amount = old.Amount + 1 }; // same id, other fields
        }
        var debit = accounts[random.Next(accounts.Length)];
        var credit = roll < 18 ? debit : accounts[random.Next(accounts.Length)];
        var amount = roll switch
        {
            < 21 => -random.Next(0, 1000),
            < 24 => 0,
            _ => random.Next(1, 5_000),
        };
        var id = roll is >= 24 and < 26 ? "bad id with spaces" : $"t-{step}";
        var asset = roll is >= 26 and < 28 ? "NOPE" : Asset;
        return new TransferRequest(id, debit, credit, asset, amount, TransferKinds.Mint, null);
    }

    /// <summary>The model's answer, in the documented precedence.</summary>
    private static TransferResult Expect(Dictionary<string, long> model, List<TransferRequest> posted,
        TransferRequest r)
    {
        if (!Postings.IsValidId(r.Id)) return TransferResult.IdInvalid;
        if (r.Amount <= 0) return TransferResult.AmountMustBePositive;
        if (r.Debit == r.Credit) return TransferResult.AccountsMustDiffer;
        if (r.Asset != Asset) return TransferResult.AssetNotFound;
        var existing = posted.FirstOrDefault(p => p.Id == r.Id);
        if (existing is not null) return existing == r ? TransferResult.Exists : TransferResult.ExistsWithDifferentFields;
        if (!SystemAccounts.IsIssuance(r.Debit) && model[r.Debit] < r.Amount) return TransferResult.InsufficientFunds;
        return TransferResult.Ok;
    }

    private sealed record State(Dictionary<string, long> Balances, long Transfers)
    {
        public bool Equals(State? other) => other is not null && Transfers == other.Transfers &&
            Balances.Count == other.Balances.Count && Balances.All(b => other.Balances.GetValueOrDefault(b.Key) == b.Value);

        public override int GetHashCode() => Transfers.GetHashCode();
    }

    private static State Snapshot(TestNode t) => t.Node.Database.Read(c => new State(
        c.Query<(string Account, long Amount)>("SELECT account, amount FROM balances").ToDictionary(r => r.Account, r => r.Amount),
        c.ExecuteScalar<long>("SELECT COUNT(*) FROM transfers")));
}

public sealed class ReceiptTests
{
    [Fact]
    public async Task a_receipt_verifies_and_any_changed_byte_breaks_it()
    {
        await using var t = await TestNode.StartAsync();
        var address = TestNode.NewAddress();
        var payment = (await t.Node.Funds.FaucetAsync(address, 1234, "faucet-1")).AssertOk();
        var receipt = payment.Receipt;
        Assert.Null(receipt.Verify(t.Node.Key.Signer));

        var payload = Convert.FromBase64String(receipt.Payload);
        var json = System.Text.Json.JsonDocument.Parse(payload).RootElement;
        Assert.Equal("faucet-1", json.GetProperty("id").GetString());
        Assert.Equal(address, json.GetProperty("credit").GetString());
        Assert.Equal(1234, json.GetProperty("amount").GetInt64());

        payload[^3] ^= 1;
        Assert.NotNull((receipt with { Payload = Convert.ToBase64String(payload) }).Verify(null));
        Assert.NotNull(receipt.Verify(TestNode.NewAddress()));
    }

    [Fact]
    public async Task a_faucet_retry_with_the_same_id_mints_once()
    {
        await using var t = await TestNode.StartAsync();
        var address = TestNode.NewAddress();
        var first = (await t.Node.Funds.FaucetAsync(address, 500, "same")).AssertOk();
        var second = (await t.Node.Funds.FaucetAsync(address, 500, "same")).AssertOk();
        Assert.Equal(first.Receipt, second.Receipt);
        Assert.Equal(500, t.Node.Funds.Balance(address, "EARN"));
        (await t.Node.Funds.FaucetAsync(address, 600, "same")).AssertFails(Failure.Conflict);
    }

    [Fact]
    public async Task the_faucet_is_capped_and_off_outside_a_dev_network()
    {
        await using var t = await TestNode.StartAsync();
        var address = TestNode.NewAddress();
        (await t.Node.Funds.FaucetAsync(address, 1_000_000_001, null)).AssertFails(Failure.Invalid);
        (await t.Node.Funds.FaucetAsync(address, 1_000_000_000, null)).AssertOk();
        await using var production = await TestNode.StartAsync(o => o.DevNetwork = false);
        (await production.Node.Funds.FaucetAsync(address, 1, null)).AssertFails(Failure.Forbidden);
    }
}

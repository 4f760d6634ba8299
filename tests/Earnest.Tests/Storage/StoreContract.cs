using System.Text.Json;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Market;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Storage;

/// <summary>
/// What every store must do, whichever it is: the same tests run on the embedded SQLite store and on a real
/// PostgreSQL server (<see cref="SqliteStoreContractTests"/>, <see cref="PostgresStoreContractTests"/>).
/// </summary>
public abstract class StoreContract(Store store)
{
    private Task<TestNode> StartAsync() => TestNode.StartAsync(store: store);

    private static (string, string?)[] Tasks(int plain, int gold = 0) =>
    [
        .. Enumerable.Range(0, plain).Select(i => ($"t{i}", (string?)null)),
        .. Enumerable.Range(0, gold).Select(i => ($"g{i}", (string?)"yes")),
    ];

    [Fact]
    public async Task faucet_payments_are_idempotent_by_id_and_their_receipts_prove_inclusion()
    {
        await using var t = await StartAsync();
        var me = TestNode.NewAddress();
        var first = (await t.Node.Funds.FaucetAsync(me, 5_000, "f-1")).AssertOk();
        var again = (await t.Node.Funds.FaucetAsync(me, 5_000, "f-1")).AssertOk();
        Assert.Equal((first.TransferId, "posted", "exists"), (again.TransferId, first.Result, again.Result));
        (await t.Node.Funds.FaucetAsync(me, 6_000, "f-1")).AssertFails(Failure.Conflict);
        (await t.Node.Funds.FaucetAsync(me, 1_000, null)).AssertOk();
        Assert.Equal(6_000, t.Node.Funds.Balance(me, "EARN"));

        var history = t.Node.Funds.History(me, null, 10).AssertOk();
        Assert.Equal(2, history.Count);
        Assert.Null(history[0].Receipt.Verify(t.Node.Key.Signer, requireProof: true));
        Assert.Null(t.Node.Funds.Receipt(me, first.TransferId).AssertOk().Verify(t.Node.Key.Signer, requireProof: true));
        var page = t.Node.Funds.History(me, history[0].Id, 10).AssertOk();
        Assert.Equal(history[1].Id, Assert.Single(page).Id);
        Assert.True(t.Audit().Passed, t.Audit().Failure);
    }

    [Fact]
    public async Task assets_are_minted_within_their_cap_by_their_issuer_only()
    {
        await using var t = await StartAsync();
        var issuer = TestNode.NewAddress();
        (await t.Node.Issuance.CreateAsync(issuer, new CreateAsset("GEM", 2, 1_000))).AssertOk();
        (await t.Node.Issuance.CreateAsync(TestNode.NewAddress(), new CreateAsset("GEM", 2, 10))).AssertFails(Failure.Conflict);
        (await t.Node.Issuance.MintAsync(issuer, "GEM", new MintRequest(900, null, "m1"))).AssertOk();
        (await t.Node.Issuance.MintAsync(issuer, "GEM", new MintRequest(200, null, "m2"))).AssertFails(Failure.Conflict);
        (await t.Node.Issuance.MintAsync(TestNode.NewAddress(), "GEM", new MintRequest(1, null, "m3"))).AssertFails(Failure.Forbidden);
        Assert.Equal(900, t.Node.Funds.Balance(issuer, "GEM"));
        Assert.Equal(900, Assert.Single(t.Node.Issuance.List(), a => a.Symbol == "GEM").Supply);
        Assert.True(t.Audit().Passed, t.Audit().Failure);
    }

    [Fact]
    public async Task a_campaign_runs_from_funding_to_refund_and_replays_exactly()
    {
        await using var t = await StartAsync();
        var (requester, campaign) = await t.PublishedCampaignAsync(Tasks(4, gold: 2), reward: 100, budget: 10_000);
        var paid = 0L;
        for (var c = 0; c < 3; c++)
        {
            var contributor = TestNode.NewAddress();
            while ((await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk() is { } lease)
            {
                var outcome = (await t.Node.Work.SubmitAsync(contributor, lease.Id, "yes")).AssertOk();
                if (outcome.Payment is { } payment)
                {
                    Assert.Null(payment.Receipt.Verify(t.Node.Key.Signer, requireProof: true));
                    paid += payment.Amount;
                }
            }
        }
        var view = t.Node.Campaigns.Get(requester, campaign).AssertOk();
        Assert.Equal(4, view.TasksDone);
        var closed = (await t.Node.Campaigns.CloseAsync(requester, campaign)).AssertOk();
        Assert.Equal(10_000 - view.Spent, closed.Refunded);
        Assert.True(paid <= view.Spent);
        Assert.Equal(0, t.Node.Funds.Balance(SystemAccounts.Escrow(campaign), "EARN"));
        var results = t.Node.Campaigns.Results(requester, campaign).AssertOk();
        Assert.All(results.Results.Where(r => !r.Gold), r => Assert.Equal("yes", r.Answer));
        Assert.True(t.Audit().Passed, t.Audit().Failure);
    }

    [Fact]
    public async Task leasing_never_hands_a_task_twice_nor_more_than_escrow_pays()
    {
        await using var t = await StartAsync();
        var (_, campaign) = await t.PublishedCampaignAsync(Tasks(10), reward: 100, budget: 400, overlap: 3);
        var leases = new List<AssignmentView>();
        for (var i = 0; i < 10; i++)
        {
            if ((await t.Node.Work.LeaseAsync(TestNode.NewAddress(), campaign)).AssertOk() is { } lease)
            {
                leases.Add(lease);
            }
        }
        Assert.Equal(4, leases.Count);
        var contributor = TestNode.NewAddress();
        var mine = new HashSet<string>();
        var (_, other) = await t.PublishedCampaignAsync(Tasks(3), overlap: 1);
        while ((await t.Node.Work.LeaseAsync(contributor, other)).AssertOk() is { } lease)
        {
            Assert.True(mine.Add(lease.Data.GetRawText()), "the same task was leased twice to one contributor");
            (await t.Node.Work.SubmitAsync(contributor, lease.Id, "yes")).AssertOk();
        }
        Assert.Equal(3, mine.Count);
    }

    [Fact]
    public async Task concurrent_contributors_are_each_paid_once_and_the_ledger_balances()
    {
        await using var t = await StartAsync();
        var (requester, campaign) = await t.PublishedCampaignAsync(Tasks(30, gold: 5), reward: 10, overlap: 3);
        var contributors = Enumerable.Range(0, 24).Select(_ => TestNode.NewAddress()).ToList();
        var payments = (await Task.WhenAll(contributors.Select(async c =>
        {
            var got = new List<string>();
            while ((await t.Node.Work.LeaseAsync(c, campaign)).AssertOk() is { } lease)
            {
                if ((await t.Node.Work.SubmitAsync(c, lease.Id, "yes")).AssertOk().Payment is { } p)
                {
                    got.Add(p.TransferId);
                }
            }
            return got;
        }))).SelectMany(p => p).ToList();
        Assert.Equal(payments.Count, payments.Distinct().Count());
        var view = t.Node.Campaigns.Get(requester, campaign).AssertOk();
        Assert.Equal(view.Spent, contributors.Sum(c => t.Node.Funds.Balance(c, "EARN")));
        Assert.All(t.Node.Database.Read(Postings.Sums).Values, sum => Assert.Equal(0, sum));
        Assert.True(t.Audit().Passed, t.Audit().Failure);
    }

    [Fact]
    public async Task a_refused_piece_of_a_group_changes_nothing_while_the_others_commit()
    {
        await using var t = await StartAsync();
        var rich = TestNode.NewAddress();
        (await t.Node.Funds.FaucetAsync(rich, 1_000, null)).AssertOk();
        var poor = TestNode.NewAddress();
        var draft = (await t.Node.Campaigns.CreateAsync(poor, new CreateCampaign("Too dear", "", "classification",
            ["yes", "no"], 10, 5_000, 1, null))).AssertOk();
        (await t.Node.Campaigns.AddTasksAsync(poor, draft.Id, [new NewTask("a", JsonDocument.Parse("{}").RootElement, null)])).AssertOk();
        // Issued together so they share group commits: the refused publish must leave no trace, the faucets must land.
        var work = new List<Task>();
        for (var i = 0; i < 20; i++)
        {
            work.Add(t.Node.Funds.FaucetAsync(rich, 1, $"x{i}"));
            work.Add(t.Node.Campaigns.PublishAsync(poor, draft.Id).ContinueWith(p => p.Result.AssertFails(Failure.Conflict), TaskScheduler.Default));
        }
        await Task.WhenAll(work);
        Assert.Equal(1_020, t.Node.Funds.Balance(rich, "EARN"));
        Assert.Equal(0, t.Node.Funds.Balance(poor, "EARN"));
        Assert.Equal("draft", t.Node.Campaigns.Get(poor, draft.Id).AssertOk().Status);
        Assert.True(t.Audit().Passed, t.Audit().Failure);
    }

    [Fact]
    public async Task sign_in_challenges_are_single_use()
    {
        await using var t = await StartAsync();
        using var key = WalletKey.Create();
        var challenge = (await t.Node.SignIn.ChallengeAsync(key.Address)).AssertOk();
        var signature = key.SignText(challenge.Message);
        var token = (await t.Node.SignIn.TokenAsync(key.Address, challenge.Message, signature)).AssertOk();
        Assert.Equal(key.Address, t.Node.SignIn.Authenticate(token.Token));
        (await t.Node.SignIn.TokenAsync(key.Address, challenge.Message, signature)).AssertFails(Failure.Unauthorized);
        var apiKey = await t.Node.SignIn.CreateApiKeyAsync(key.Address);
        Assert.Equal(key.Address, t.Node.SignIn.Authenticate(apiKey));
        Assert.Null(t.Node.SignIn.Authenticate("et_nothing"));
    }

    [Fact]
    public async Task blocks_form_one_gap_free_signed_chain_with_strictly_increasing_timestamps()
    {
        await using var t = await StartAsync();
        var me = TestNode.NewAddress();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => t.Node.Funds.FaucetAsync(me, 1, $"b{i}")));
        var head = t.Node.Chain.HeadView()!;
        var seq = 0L;
        var time = 0L;
        for (var height = 1L; height <= head.Height; height++)
        {
            var block = t.Node.Chain.Block(height)!;
            Assert.Equal(height, block.Block.Height);
            foreach (var id in block.TransferIds)
            {
                var transfer = t.Node.Funds.Find(me, id);
                if (transfer.IsOk)
                {
                    Assert.True(Earnest.Identity.Time.ToMicros(transfer.Value!.Timestamp) > time);
                    time = Earnest.Identity.Time.ToMicros(transfer.Value!.Timestamp);
                }
                seq++;
            }
        }
        Assert.Equal(40 + 0, t.Node.Funds.History(me, null, 100).AssertOk().Count);
        Assert.True(seq >= 40);
        Assert.True(t.Audit().Passed, t.Audit().Failure);
    }
}

public sealed class SqliteStoreContractTests() : StoreContract(Store.Sqlite);

public sealed class PostgresStoreContractTests() : StoreContract(Store.Postgres);

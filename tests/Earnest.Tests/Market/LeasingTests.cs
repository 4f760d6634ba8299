using Dapper;
using Earnest.Ledger;
using Earnest.Market;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Market;

public sealed class LeasingTests
{
    private static (string, string?)[] Plain(int n) => [.. Enumerable.Range(0, n).Select(i => ($"t{i}", (string?)null))];

    [Fact]
    public async Task a_contributor_never_gets_the_same_task_twice()
    {
        await using var t = await TestNode.StartAsync();
        var (_, campaign) = await t.PublishedCampaignAsync(Plain(3));
        var contributor = TestNode.NewAddress();
        var seen = new HashSet<string>();
        for (var i = 0; i < 3; i++)
        {
            var a = (await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk()!;
            Assert.True(seen.Add(a.Data.GetProperty("text").GetString()!));
            (await t.Node.Work.SubmitAsync(contributor, a.Id, "yes")).AssertOk();
        }
        Assert.Null((await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk());
    }

    [Fact]
    public async Task an_expired_lease_returns_the_task_to_the_pool_but_not_to_the_same_contributor()
    {
        await using var t = await TestNode.StartAsync();
        var (_, campaign) = await t.PublishedCampaignAsync(Plain(1), overlap: 1);
        var first = TestNode.NewAddress();
        var lease = (await t.Node.Work.LeaseAsync(first, campaign)).AssertOk()!;
        Assert.Null((await t.Node.Work.LeaseAsync(TestNode.NewAddress(), campaign)).AssertOk());

        t.Time.Advance(t.Node.Options.LeaseDuration + TimeSpan.FromSeconds(1));
        (await t.Node.Work.SubmitAsync(first, lease.Id, "yes")).AssertFails(Failure.Conflict);
        Assert.Null((await t.Node.Work.LeaseAsync(first, campaign)).AssertOk());
        var second = TestNode.NewAddress();
        var again = (await t.Node.Work.LeaseAsync(second, campaign)).AssertOk()!;
        Assert.Equal(lease.Data.GetRawText(), again.Data.GetRawText());
        Assert.Equal("accepted", (await t.Node.Work.SubmitAsync(second, again.Id, "yes")).AssertOk().Status);
    }

    [Fact]
    public async Task no_work_is_handed_out_that_escrow_cannot_pay()
    {
        await using var t = await TestNode.StartAsync();
        // Budget for exactly 4 submissions of 10 tasks × overlap 3.
        var (_, campaign) = await t.PublishedCampaignAsync(Plain(10), reward: 100, budget: 400, overlap: 3);
        var leases = new List<(string Contributor, AssignmentView Lease)>();
        for (var i = 0; i < 10; i++)
        {
            var contributor = TestNode.NewAddress();
            var lease = (await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk();
            if (lease is not null)
            {
                leases.Add((contributor, lease));
            }
        }
        Assert.Equal(4, leases.Count);
        // A rejected or expired piece of work frees its reservation; pending ones keep it.
        foreach (var (contributor, lease) in leases)
        {
            (await t.Node.Work.SubmitAsync(contributor, lease.Id, "yes")).AssertOk();
        }
        var view = t.Node.Campaigns.Get(t.Node.Database.Read(c => c.ExecuteScalar<string>("SELECT requester FROM campaigns"))!, campaign).AssertOk();
        Assert.True(view.Escrow >= view.Pending * view.Reward, "escrow covers every pending submission");
    }

    [Fact]
    public async Task gold_is_mixed_in_first_and_at_the_campaigns_share()
    {
        await using var t = await TestNode.StartAsync();
        var tasks = Plain(8).Concat([("g1", "yes"), ("g2", "no")]).ToArray();
        var (_, campaign) = await t.PublishedCampaignAsync(tasks, overlap: 1);
        var contributor = TestNode.NewAddress();
        var gold = new List<bool>();
        while ((await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk() is { } lease)
        {
            var text = lease.Data.GetProperty("text").GetString()!;
            gold.Add(text.StartsWith('g'));
            (await t.Node.Work.SubmitAsync(contributor, lease.Id, "yes")).AssertOk();
        }
        Assert.True(gold[0], "the first task of a campaign with gold is gold");
        Assert.Equal(2, gold.Count(g => g));
        Assert.Equal(10, gold.Count);
    }

    [Fact]
    public async Task a_contributor_cannot_hold_unlimited_leases()
    {
        await using var t = await TestNode.StartAsync(o => o.MaxActiveAssignmentsPerContributor = 2);
        var (_, campaign) = await t.PublishedCampaignAsync(Plain(5));
        var contributor = TestNode.NewAddress();
        (await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk();
        (await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk();
        (await t.Node.Work.LeaseAsync(contributor, campaign)).AssertFails(Failure.Limited);
    }

    [Fact]
    public async Task requesters_do_not_work_their_own_campaigns_and_drafts_hand_out_nothing()
    {
        await using var t = await TestNode.StartAsync();
        var (requester, campaign) = await t.PublishedCampaignAsync(Plain(2));
        Assert.Null((await t.Node.Work.LeaseAsync(requester, campaign)).AssertOk());
        var draft = (await t.Node.Campaigns.CreateAsync(requester, new CreateCampaign("d", "", "classification",
            ["a", "b"], 1, 10, 1, null))).AssertOk();
        Assert.Null((await t.Node.Work.LeaseAsync(TestNode.NewAddress(), draft.Id)).AssertOk());
    }

    [Fact]
    public async Task a_campaign_published_after_the_writer_listed_the_open_ones_is_handed_out()
    {
        await using var t = await TestNode.StartAsync();
        var (_, first) = await t.PublishedCampaignAsync(Plain(1), overlap: 1);
        var contributor = TestNode.NewAddress();
        Assert.Equal(first, (await t.Node.Work.LeaseAsync(contributor, null)).AssertOk()!.CampaignId);
        // The writer now remembers the open campaigns, and the one it knows has nothing left.
        Assert.Null((await t.Node.Work.LeaseAsync(TestNode.NewAddress(), null)).AssertOk());

        var (_, second) = await t.PublishedCampaignAsync(Plain(1), overlap: 1);
        Assert.Equal(second, (await t.Node.Work.LeaseAsync(TestNode.NewAddress(), null)).AssertOk()!.CampaignId);
    }
}

public sealed class EarnLoopTests
{
    [Fact]
    public async Task consensus_pays_agreeing_answers_once_and_close_refunds_the_rest()
    {
        await using var t = await TestNode.StartAsync();
        var (requester, campaign) = await t.PublishedCampaignAsync([("t0", null), ("g0", "yes")], reward: 100,
            budget: 10_000, overlap: 3);
        var answers = new[] { "yes", "yes", "no" };
        var outcomes = new List<SubmissionOutcome>();
        var contributors = answers.Select(_ => TestNode.NewAddress()).ToArray();
        for (var i = 0; i < 3; i++)
        {
            // First lease is the gold task (answered correctly), the second the consensus task.
            var gold = (await t.Node.Work.LeaseAsync(contributors[i], campaign)).AssertOk()!;
            Assert.Equal("accepted", (await t.Node.Work.SubmitAsync(contributors[i], gold.Id, "yes")).AssertOk().Status);
            var lease = (await t.Node.Work.LeaseAsync(contributors[i], campaign)).AssertOk()!;
            outcomes.Add((await t.Node.Work.SubmitAsync(contributors[i], lease.Id, answers[i])).AssertOk());
        }
        Assert.Equal(["pending", "pending", "rejected"], outcomes.Select(o => o.Status));
        var submissions = t.Node.Work.Submissions(contributors[0], 10);
        Assert.All(submissions, s => Assert.Equal("accepted", s.Status));
        Assert.Equal(200, t.Node.Funds.Balance(contributors[0], "EARN"));
        Assert.Equal(200, t.Node.Funds.Balance(contributors[1], "EARN"));
        Assert.Equal(100, t.Node.Funds.Balance(contributors[2], "EARN"));

        var results = t.Node.Campaigns.Results(requester, campaign).AssertOk();
        Assert.Equal("yes", results.Results.Single(r => r.TaskId == "t0").Answer);

        var closed = (await t.Node.Campaigns.CloseAsync(requester, campaign)).AssertOk();
        Assert.Equal(10_000 - 500, closed.Refunded);
        Assert.Equal(10_000 - 500, t.Node.Funds.Balance(requester, "EARN"));
        Assert.Equal(0, t.Node.Funds.Balance(SystemAccounts.Escrow(campaign), "EARN"));
        Assert.All(t.Node.Database.Read(Postings.Sums).Values, sum => Assert.Equal(0, sum));
        (await t.Node.Campaigns.CloseAsync(requester, campaign)).AssertFails(Failure.Conflict);
    }

    [Fact]
    public async Task closing_cancels_open_leases_and_settles_pending_answers()
    {
        await using var t = await TestNode.StartAsync();
        var (requester, campaign) = await t.PublishedCampaignAsync([("t0", null), ("t1", null)], reward: 100,
            budget: 1_000, overlap: 3);
        var a = TestNode.NewAddress();
        var b = TestNode.NewAddress();
        var first = (await t.Node.Work.LeaseAsync(a, campaign)).AssertOk()!;
        Assert.Equal("pending", (await t.Node.Work.SubmitAsync(a, first.Id, "yes")).AssertOk().Status);
        var open = (await t.Node.Work.LeaseAsync(b, campaign)).AssertOk()!;

        var closed = (await t.Node.Campaigns.CloseAsync(requester, campaign)).AssertOk();
        Assert.Equal(900, closed.Refunded);
        Assert.Equal(100, t.Node.Funds.Balance(a, "EARN"));
        Assert.Equal("accepted", t.Node.Work.Submissions(a, 1).Single().Status);
        (await t.Node.Work.SubmitAsync(b, open.Id, "yes")).AssertFails(Failure.Conflict);
        // The writer remembered the campaign open; closed, it hands out nothing, by its id or from the open ones.
        var c = TestNode.NewAddress();
        Assert.Null((await t.Node.Work.LeaseAsync(c, campaign)).AssertOk());
        Assert.Null((await t.Node.Work.LeaseAsync(c, null)).AssertOk());
    }

    [Fact]
    public async Task a_second_submission_and_someone_elses_assignment_change_nothing()
    {
        await using var t = await TestNode.StartAsync();
        var (_, campaign) = await t.PublishedCampaignAsync([("g", "yes")], overlap: 1);
        var a = TestNode.NewAddress();
        var lease = (await t.Node.Work.LeaseAsync(a, campaign)).AssertOk()!;
        (await t.Node.Work.SubmitAsync(TestNode.NewAddress(), lease.Id, "yes")).AssertFails(Failure.Forbidden);
        (await t.Node.Work.SubmitAsync(a, lease.Id, "maybe")).AssertFails(Failure.Invalid);
        (await t.Node.Work.SubmitAsync(a, lease.Id, "yes")).AssertOk();
        (await t.Node.Work.SubmitAsync(a, lease.Id, "yes")).AssertFails(Failure.Conflict);
        Assert.Equal(100, t.Node.Funds.Balance(a, "EARN"));
        Assert.Single(t.Node.Work.Submissions(a, 10));
    }

    [Fact]
    public async Task publishing_with_too_small_a_balance_is_refused_and_moves_nothing()
    {
        await using var t = await TestNode.StartAsync();
        var requester = TestNode.NewAddress();
        (await t.Node.Funds.FaucetAsync(requester, 500, null)).AssertOk();
        var campaign = (await t.Node.Campaigns.CreateAsync(requester, new CreateCampaign("c", "", "classification",
            ["a", "b"], 10, 1_000, 1, null))).AssertOk();
        (await t.Node.Campaigns.AddTasksAsync(requester, campaign.Id,
            [new NewTask("x", System.Text.Json.JsonDocument.Parse("{}").RootElement, null)])).AssertOk();
        (await t.Node.Campaigns.PublishAsync(requester, campaign.Id)).AssertFails(Failure.Conflict);
        Assert.Equal(500, t.Node.Funds.Balance(requester, "EARN"));
        Assert.Equal("draft", t.Node.Campaigns.Get(requester, campaign.Id).AssertOk().Status);
    }

    private static readonly System.Text.Json.JsonElement Data = System.Text.Json.JsonDocument.Parse("{\"x\":1}").RootElement;

    /// <summary>A new requester's draft campaign, labels "a" and "b".</summary>
    private static async Task<(string Requester, CampaignView Campaign)> DraftAsync(TestNode t)
    {
        var requester = TestNode.NewAddress();
        var campaign = (await t.Node.Campaigns.CreateAsync(requester, new CreateCampaign("c", "", "classification",
            ["a", "b"], 10, 1_000, 1, null))).AssertOk();
        return (requester, campaign);
    }

    [Fact]
    public async Task adding_tasks_is_idempotent_by_task_id_and_checks_gold_against_labels()
    {
        await using var t = await TestNode.StartAsync();
        var (requester, campaign) = await DraftAsync(t);
        Assert.Equal(2, (await t.Node.Campaigns.AddTasksAsync(requester, campaign.Id,
            [new NewTask("1", Data, null), new NewTask("2", Data, "a")])).AssertOk().Added);
        var again = (await t.Node.Campaigns.AddTasksAsync(requester, campaign.Id,
            [new NewTask("1", Data, null), new NewTask("3", Data, null)])).AssertOk();
        Assert.Equal((1, 1), (again.Added, again.Existing));
        (await t.Node.Campaigns.AddTasksAsync(requester, campaign.Id, [new NewTask("4", Data, "c")]))
            .AssertFails(Failure.Invalid);
        (await t.Node.Campaigns.AddTasksAsync(TestNode.NewAddress(), campaign.Id, [new NewTask("5", Data, null)]))
            .AssertFails(Failure.NotFound);
        Assert.Equal(3, t.Node.Campaigns.Get(requester, campaign.Id).AssertOk().Tasks);
    }

    [Fact]
    public async Task a_request_larger_than_a_piece_is_validated_whole_first_then_added_in_pieces_with_contiguous_seqs()
    {
        await using var t = await TestNode.StartAsync();
        var (requester, campaign) = await DraftAsync(t);
        var count = Campaigns.TasksPerPiece * 2 + 7;
        var tasks = Enumerable.Range(0, count).Select(i => new NewTask($"t{i}", Data, i % 10 == 0 ? "a" : null)).ToList();

        // A bad task in the last piece is found before the first piece writes anything.
        var bad = tasks.ToList();
        bad[count - 1] = new NewTask("last", Data, "c");
        (await t.Node.Campaigns.AddTasksAsync(requester, campaign.Id, bad)).AssertFails(Failure.Invalid);
        Assert.Equal(0, t.Node.Campaigns.Get(requester, campaign.Id).AssertOk().Tasks);

        var added = (await t.Node.Campaigns.AddTasksAsync(requester, campaign.Id, tasks)).AssertOk();
        Assert.Equal((count, 0), (added.Added, added.Existing));
        var again = (await t.Node.Campaigns.AddTasksAsync(requester, campaign.Id, tasks)).AssertOk();
        Assert.Equal((0, count), (again.Added, again.Existing));
        t.Node.Database.Read(c =>
        {
            var rows = c.Query<(long Seq, string Id)>(
                "SELECT seq, id FROM tasks WHERE campaign_id = @id ORDER BY seq", new { id = campaign.Id }).ToList();
            Assert.Equal(Enumerable.Range(0, count).Select(i => ((long)i, $"t{i}")), rows);
            Assert.Equal(count / 10 + 1, c.ExecuteScalar<long>(
                "SELECT gold_count FROM campaigns WHERE id = @id", new { id = campaign.Id }));
            return 0;
        });
    }
}

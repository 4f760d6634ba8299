using System.Text.Json;
using Dapper;
using Earnest.Identity;
using Earnest.Market;
using Earnest.Tests.Support;
using Earnest.Verification;
using Xunit;

namespace Earnest.Tests.Market;

public sealed class PolicyTests
{
    private static async Task<(string Requester, string Campaign)> PublishAsync(TestNode t, PolicyRequest policy,
        IReadOnlyList<(string Id, string? Gold)> tasks, int overlap = 3)
    {
        using var key = WalletKey.Create();
        (await t.Node.Funds.FaucetAsync(key.Address, 1_000_000, null)).AssertOk();
        var campaign = (await t.Node.Campaigns.CreateAsync(key.Address, new CreateCampaign("Policy", "", "classification",
            ["yes", "no"], 100, 1_000_000, overlap, null, policy))).AssertOk();
        (await t.Node.Campaigns.AddTasksAsync(key.Address, campaign.Id, tasks.Select(x =>
            new NewTask(x.Id, JsonDocument.Parse($"{{\"id\":\"{x.Id}\"}}").RootElement, x.Gold)).ToList())).AssertOk();
        (await t.Node.Campaigns.PublishAsync(key.Address, campaign.Id)).AssertOk();
        return (key.Address, campaign.Id);
    }

    private static async Task<(string TaskId, SubmissionOutcome Outcome)?> WorkAsync(TestNode t, string contributor,
        string campaign, Func<string, string> answer)
    {
        var lease = (await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk();
        if (lease is null)
        {
            return null;
        }
        var id = lease.Data.GetProperty("id").GetString()!;
        return (id, (await t.Node.Work.SubmitAsync(contributor, lease.Id, answer(id))).AssertOk());
    }

    [Theory]
    [InlineData("nope", null, null, null, "policy.aggregator")]
    [InlineData("mv", 5, 3, 0.9, "policy.dynamicOverlap.max")]
    [InlineData("mv", 1, 3, 1.5, "policy.dynamicOverlap.confidence")]
    public async Task an_invalid_policy_is_refused_naming_the_field(string aggregator, int? min, int? max,
        double? confidence, string field)
    {
        await using var t = await TestNode.StartAsync();
        var dynamic = min is null ? null : new DynamicOverlapRequest(min, max, confidence);
        var outcome = await t.Node.Campaigns.CreateAsync(TestNode.NewAddress(), new CreateCampaign("x", "",
            "classification", ["a", "b"], 1, 10, 1, null, new PolicyRequest(aggregator, dynamic, null, null, null)));
        outcome.AssertFails(Failure.Invalid);
        Assert.Contains(field, outcome.Errors!.Keys);
    }

    [Fact]
    public async Task qualification_hands_out_gold_first_and_regular_work_only_after_it_is_answered()
    {
        await using var t = await TestNode.StartAsync();
        var (_, campaign) = await PublishAsync(t, new PolicyRequest(null, null, 0.0, 2, null),
            [("t1", null), ("t2", null), ("g1", "yes"), ("g2", "no"), ("g3", "yes")]);
        var contributor = TestNode.NewAddress();
        var first = (await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk()!;
        var second = (await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk()!;
        Assert.All(new[] { first, second }, l => Assert.StartsWith("g", l.Data.GetProperty("id").GetString(), StringComparison.Ordinal));
        Assert.Null((await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk());
        (await t.Node.Work.SubmitAsync(contributor, first.Id, first.Data.GetProperty("id").GetString() == "g2" ? "no" : "yes")).AssertOk();
        (await t.Node.Work.SubmitAsync(contributor, second.Id, second.Data.GetProperty("id").GetString() == "g2" ? "no" : "yes")).AssertOk();
        var third = (await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk()!;
        Assert.StartsWith("t", third.Data.GetProperty("id").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_contributor_below_the_minimum_quality_gets_no_more_work()
    {
        await using var t = await TestNode.StartAsync();
        var (_, campaign) = await PublishAsync(t, new PolicyRequest(null, null, 0.5, 2, 0.7),
            [("t1", null), ("t2", null), ("t3", null), ("g1", "yes"), ("g2", "yes"), ("g3", "yes")]);
        var careless = TestNode.NewAddress();
        var careful = TestNode.NewAddress();
        for (var i = 0; i < 2; i++)
        {
            await WorkAsync(t, careless, campaign, _ => "no"); // both qualification answers wrong: 4/7 < 0.7
            await WorkAsync(t, careful, campaign, _ => "yes");
        }
        Assert.Null((await t.Node.Work.LeaseAsync(careless, campaign)).AssertOk());
        Assert.NotNull((await t.Node.Work.LeaseAsync(careful, campaign)).AssertOk());
        Assert.True(new GoldRecord(2, 0).Quality < 0.7 && new GoldRecord(2, 2).Quality >= 0.7);
    }

    [Fact]
    public async Task dynamic_overlap_stops_asking_when_the_answers_agree_and_asks_more_when_they_do_not()
    {
        await using var t = await TestNode.StartAsync();
        // Majority confidence is (votes + 1) / (answers + 2): 2 of 2 gives 0.75, 2 of 3 gives 0.6, 3 of 4 gives 0.67.
        var (requester, campaign) = await PublishAsync(t, new PolicyRequest("mv", new DynamicOverlapRequest(2, 4, 0.7), null, null, null),
            [("easy", null), ("hard", null)]);
        var answers = new Dictionary<string, string[]>
        {
            ["easy"] = ["yes", "yes"],
            ["hard"] = ["yes", "no", "yes", "no"],
        };
        var given = new Dictionary<string, int> { ["easy"] = 0, ["hard"] = 0 };
        for (var i = 0; i < 6; i++)
        {
            await WorkAsync(t, TestNode.NewAddress(), campaign, id => answers[id][given[id]++]);
        }
        var results = t.Node.Campaigns.Results(requester, campaign).AssertOk().Results.ToDictionary(r => r.TaskId);
        Assert.Equal((2, true, "yes"), (results["easy"].Submissions, results["easy"].Decided, results["easy"].Answer));
        Assert.Equal((4, true), (results["hard"].Submissions, results["hard"].Decided));
        Assert.Null((await t.Node.Work.LeaseAsync(TestNode.NewAddress(), campaign)).AssertOk());
    }

    [Fact]
    public async Task a_model_decision_records_its_inputs_and_a_replay_re_derives_it()
    {
        await using var t = await TestNode.StartAsync();
        var (requester, campaign) = await PublishAsync(t, new PolicyRequest("mv", new DynamicOverlapRequest(3, 5, 0.75), 0.25, null, null),
            [("a", null), ("b", null), ("c", null), ("g", "yes")]);
        var random = new Random(3);
        for (var i = 0; i < 8; i++)
        {
            var contributor = TestNode.NewAddress();
            while (await WorkAsync(t, contributor, campaign, _ => random.Next(3) == 0 ? "no" : "yes") is not null)
            {
            }
        }
        await t.Node.Campaigns.CloseAsync(requester, campaign);
        var decisions = t.Node.Database.Read(c => c.Query<(string SubmissionId, string Status, string Inputs)>(
            "SELECT submission_id, status, inputs FROM decisions WHERE verifier = @v", new { v = Verifier.ModelVersion }).ToList());
        Assert.True(decisions.Count > 0, string.Join(";", t.Node.Database.Read(c => c.Query<string>("SELECT verifier || status || reason FROM decisions"))));
        foreach (var (submissionId, status, inputs) in decisions)
        {
            var recorded = JsonDocument.Parse(inputs).RootElement;
            var replayed = ReplayInference(t, campaign, recorded.GetProperty("fitThroughSeq").GetInt64(), submissionId);
            Assert.Equal(recorded.GetProperty("inferred").GetString(), replayed.Answer);
            Assert.Equal(recorded.GetProperty("confidence").GetDouble(), replayed.Confidence);
            var answer = t.Node.Database.Read(c => c.ExecuteScalar<string>("SELECT answer FROM submissions WHERE id = @submissionId", new { submissionId }));
            Assert.Equal(answer == replayed.Answer ? "accepted" : "rejected", status);
        }
    }

    private static ModelView ReplayInference(TestNode t, string campaignId, long throughSeq, string submissionId) =>
        t.Node.Database.Read(c =>
        {
            var campaign = c.QuerySingle<CampaignRow>("SELECT * FROM campaigns WHERE id = @campaignId", new { campaignId });
            var taskSeq = c.ExecuteScalar<long>("SELECT task_seq FROM submissions WHERE id = @submissionId", new { submissionId });
            return CampaignModel.Run(c, null, campaign, throughSeq).For(taskSeq);
        });
}

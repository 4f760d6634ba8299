using Earnest.Market;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Market;

/// <summary>Skipping a task, and the figures contributors and requesters see: pay per hour, time to paid.</summary>
public sealed class WorkListTests
{
    private static (string, string?)[] Plain(int n) => [.. Enumerable.Range(0, n).Select(i => ($"t{i}", (string?)null))];

    [Fact]
    public async Task a_skipped_task_goes_to_someone_else_and_never_back_to_the_skipper()
    {
        await using var t = await TestNode.StartAsync();
        var (_, campaign) = await t.PublishedCampaignAsync(Plain(1), overlap: 1);
        var skipper = TestNode.NewAddress();
        var lease = (await t.Node.Work.LeaseAsync(skipper, campaign)).AssertOk()!;
        // Held: nobody else gets it.
        Assert.Null((await t.Node.Work.LeaseAsync(TestNode.NewAddress(), campaign)).AssertOk());

        (await t.Node.Work.ReleaseAsync(TestNode.NewAddress(), lease.Id)).AssertFails(Failure.Forbidden);
        (await t.Node.Work.ReleaseAsync(skipper, "asg_missing")).AssertFails(Failure.NotFound);
        Assert.Equal("released", (await t.Node.Work.ReleaseAsync(skipper, lease.Id)).AssertOk().Status);
        (await t.Node.Work.ReleaseAsync(skipper, lease.Id)).AssertFails(Failure.Conflict);
        (await t.Node.Work.SubmitAsync(skipper, lease.Id, "yes")).AssertFails(Failure.Conflict);

        Assert.Null((await t.Node.Work.LeaseAsync(skipper, campaign)).AssertOk());
        var other = TestNode.NewAddress();
        var again = (await t.Node.Work.LeaseAsync(other, campaign)).AssertOk()!;
        Assert.Equal(lease.Data.GetRawText(), again.Data.GetRawText());
        Assert.Equal("accepted", (await t.Node.Work.SubmitAsync(other, again.Id, "yes")).AssertOk().Status);
        Assert.True(Earnest.Audit.Auditor.Run(t.Folder).Passed);
    }

    [Fact]
    public async Task a_skipped_task_after_submission_is_refused_and_nothing_changes()
    {
        await using var t = await TestNode.StartAsync();
        var (_, campaign) = await t.PublishedCampaignAsync(Plain(2), overlap: 1);
        var contributor = TestNode.NewAddress();
        var lease = (await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk()!;
        (await t.Node.Work.SubmitAsync(contributor, lease.Id, "yes")).AssertOk();
        var balance = System.Text.Json.JsonSerializer.Serialize(t.Node.Funds.Account(contributor));
        Assert.Contains("\"Amount\":100", balance, StringComparison.Ordinal);
        (await t.Node.Work.ReleaseAsync(contributor, lease.Id)).AssertFails(Failure.Conflict);
        Assert.Equal(balance, System.Text.Json.JsonSerializer.Serialize(t.Node.Funds.Account(contributor)));
    }

    [Fact]
    public async Task the_work_list_estimates_pay_per_hour_from_the_median_task_time_and_the_share_paid()
    {
        await using var t = await TestNode.StartAsync();
        var (_, campaign) = await t.PublishedCampaignAsync(Plain(20), reward: 100, overlap: 1);
        Assert.Null(Assert.Single(t.Node.Campaigns.ListOpen()).PayPerHour);

        // Five contributors take 10, 20, 30, 40 and 50 seconds; overlap 1 accepts each answer at once.
        foreach (var seconds in new[] { 50, 10, 40, 20, 30 })
        {
            var contributor = TestNode.NewAddress();
            var lease = (await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk()!;
            t.Time.Advance(TimeSpan.FromSeconds(seconds));
            Assert.Equal("accepted", (await t.Node.Work.SubmitAsync(contributor, lease.Id, "yes")).AssertOk().Status);
        }
        var open = Assert.Single(t.Node.Campaigns.ListOpen());
        Assert.Equal(campaign, open.Id);
        Assert.Equal(30, open.MedianTaskSeconds!.Value, 2);
        Assert.Equal(1.0, open.AcceptedShare);
        Assert.Equal(100 * 3600 / 30, open.PayPerHour);
        Assert.Equal(15, open.TasksAvailable);
    }

    [Fact]
    public async Task campaign_stats_measure_time_to_paid_and_count_decisions_over_time()
    {
        await using var t = await TestNode.StartAsync();
        var (requester, campaign) = await t.PublishedCampaignAsync(Plain(4), reward: 100, overlap: 1);
        t.Node.Campaigns.Stats(TestNode.NewAddress(), campaign).AssertFails(Failure.NotFound);
        var empty = t.Node.Campaigns.Stats(requester, campaign).AssertOk();
        Assert.Equal(0, empty.TimeToPaid.Count);
        Assert.All(empty.Timeline, p => Assert.Equal(0, p.Accepted));

        for (var i = 0; i < 3; i++)
        {
            var contributor = TestNode.NewAddress();
            var lease = (await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk()!;
            t.Time.Advance(TimeSpan.FromSeconds(1));
            (await t.Node.Work.SubmitAsync(contributor, lease.Id, "yes")).AssertOk();
        }
        var stats = t.Node.Campaigns.Stats(requester, campaign).AssertOk();
        Assert.Equal(3, stats.TimeToPaid.Count);
        Assert.Equal(3, stats.TimeToPaid.Buckets.Sum(b => b.Count));
        var last = stats.Timeline[^1];
        Assert.Equal((3, 0, 300L), (last.Accepted, last.Rejected, last.Spent));
        Assert.Equal(t.Node.Campaigns.Get(requester, campaign).AssertOk().Spent, last.Spent);
        // Cumulative: never decreasing, in time order.
        for (var i = 1; i < stats.Timeline.Count; i++)
        {
            Assert.True(stats.Timeline[i].At >= stats.Timeline[i - 1].At);
            Assert.True(stats.Timeline[i].Accepted >= stats.Timeline[i - 1].Accepted);
        }
    }
}

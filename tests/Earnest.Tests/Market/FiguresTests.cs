using Earnest.Market;
using Xunit;

namespace Earnest.Tests.Market;

public sealed class FiguresTests
{
    [Fact]
    public void no_estimate_from_too_few_measurements()
    {
        Assert.Null(Figures.Median([1, 2, 3, 4]));
        Assert.Equal(3, Figures.Median([5, 1, 4, 2, 3]));
        Assert.Null(Figures.PayPerHour(100, null, 30));
        Assert.Null(Figures.PayPerHour(100, 0.5, null));
        Assert.Null(Figures.PayPerHour(100, 0.5, 0));
        // 100 per task, half of them paid, 36 s a task: 100 tasks an hour, 50 paid.
        Assert.Equal(5_000, Figures.PayPerHour(100, 0.5, 36));
    }

    [Fact]
    public void a_distribution_counts_every_value_once_with_nearest_rank_percentiles()
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i * 10).Reverse().ToList(); // 10 ms … 1 s
        var d = Figures.Distribution([.. values, 1e9]);
        Assert.Equal(101, d.Count);
        Assert.Equal(101, d.Buckets.Sum(b => b.Count));
        Assert.Equal(510, d.P50);
        Assert.Equal(960, d.P95);
        Assert.Equal(1_000, d.P99);
        Assert.Null(d.Buckets[^1].UpTo);
        Assert.Equal(1, d.Buckets[^1].Count); // the 1e9 outlier
        Assert.Equal(1, d.Buckets.Single(b => b.UpTo == 10).Count);

        var none = Figures.Distribution([]);
        Assert.Equal((0, null, null), (none.Count, none.P50, none.P99));
    }

    [Fact]
    public void a_timeline_is_cumulative_and_ends_with_every_decision()
    {
        Assert.Empty(Figures.Timeline(null, 10, 5, []));
        var decisions = new List<(long, bool)> { (1_000, true), (2_000, false), (2_000, true), (9_000, true) };
        var points = Figures.Timeline(0, 10_000, 5, decisions);
        Assert.InRange(points.Count, 2, Figures.TimelinePoints + 1);
        Assert.Equal((3, 1, 15L), (points[^1].Accepted, points[^1].Rejected, points[^1].Spent));
        Assert.Equal(0, points[0].Accepted);
        for (var i = 1; i < points.Count; i++)
        {
            Assert.True(points[i].At > points[i - 1].At);
            Assert.True(points[i].Accepted + points[i].Rejected >= points[i - 1].Accepted + points[i - 1].Rejected);
        }
    }
}

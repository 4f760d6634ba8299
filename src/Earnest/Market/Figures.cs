using Earnest.Identity;

namespace Earnest.Market;

/// <summary>
/// The pure arithmetic behind the figures people see: pay-per-hour estimates in the work list and the distributions
/// and timelines of the requester's dashboard.
/// </summary>
public static class Figures
{
    /// <summary>How many of a campaign's most recent submissions its estimates look at.</summary>
    public const int Window = 200;

    /// <summary>Fewer measurements than this give no estimate rather than a misleading one.</summary>
    public const int MinSamples = 5;

    /// <summary>Points in a campaign's timeline.</summary>
    public const int TimelinePoints = 60;

    /// <summary>The histogram's bucket bounds for times in milliseconds (the last bucket takes everything above).</summary>
    public static readonly double[] MillisecondBounds =
        [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000, double.PositiveInfinity];

    /// <summary>The median of the values, or null when there are fewer than <see cref="MinSamples"/>.</summary>
    public static double? Median(IReadOnlyList<double> values) =>
        values.Count < MinSamples ? null : Percentile(values.Order().ToList(), 0.5);

    /// <summary>
    /// Expected pay per hour in base units: what a task pays, times the share of answers that get paid, times the tasks
    /// done in an hour at the median pace; null when either is unmeasured or the median is not positive.
    /// </summary>
    public static long? PayPerHour(long reward, double? acceptedShare, double? medianSeconds) =>
        acceptedShare is { } share && medianSeconds is > 0 and var seconds
            ? (long)Math.Round(reward * share * 3600 / seconds, MidpointRounding.ToZero)
            : null;

    /// <summary>
/// Count, p50/p95/p99 (nearest rank) and a histogram over <see cref="MillisecondBounds"/>; the last bucket, open
/// above, has a null bound.
/// </summary>
    public static Distribution Distribution(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        var buckets = new int[MillisecondBounds.Length];
        foreach (var v in sorted)
        {
            var i = 0;
            while (v > MillisecondBounds[i])
            {
                i++;
            }
            buckets[i]++;
        }
        return new Distribution(sorted.Count,
            sorted.Count == 0 ? null : Percentile(sorted, 0.50),
            sorted.Count == 0 ? null : Percentile(sorted, 0.95),
            sorted.Count == 0 ? null : Percentile(sorted, 0.99),
            MillisecondBounds.Select((b, i) => new Bucket(double.IsPositiveInfinity(b) ? null : b, buckets[i])).ToList());
    }

    /// <summary>
    /// Cumulative accepted, rejected and spent at <see cref="TimelinePoints"/> equal steps from publication to now.
    /// <paramref name="decisions"/> are (decided at, accepted) in time order, in microseconds.
    /// </summary>
    public static IReadOnlyList<TimelinePoint> Timeline(long? publishedAt, long now, long reward,
        IReadOnlyList<(long At, bool Accepted)> decisions)
    {
        if (publishedAt is not { } start)
        {
            return [];
        }
        var end = Math.Max(now, decisions.Count == 0 ? start : decisions[^1].At);
        var step = Math.Max(1, (end - start + TimelinePoints - 1) / TimelinePoints);
        var points = new List<TimelinePoint>(TimelinePoints + 1);
        int next = 0, accepted = 0, rejected = 0;
        for (var at = start; ; at = Math.Min(end, at + step))
        {
            while (next < decisions.Count && decisions[next].At <= at)
            {
                if (decisions[next++].Accepted)
                {
                    accepted++;
                }
                else
                {
                    rejected++;
                }
            }
            points.Add(new TimelinePoint(Time.FromMicros(at), accepted, rejected, accepted * reward));
            if (at >= end)
            {
                return points;
            }
        }
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

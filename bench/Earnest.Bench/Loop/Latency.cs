using System.Diagnostics;

namespace Earnest.Bench.Loop;

/// <summary>Durations of one kind of call, in <see cref="Stopwatch"/> ticks.</summary>
internal sealed class LatencyLog
{
    private readonly List<long> _ticks = [];

    public int Count => _ticks.Count;

    public void Add(long startTimestamp) => _ticks.Add(Stopwatch.GetTimestamp() - startTimestamp);

    /// <summary>Merges logs into one summary.</summary>
    public static LatencySummary Summarize(IEnumerable<LatencyLog> logs)
    {
        var all = logs.SelectMany(l => l._ticks).ToArray();
        Array.Sort(all);
        return new LatencySummary(all.Length, Milliseconds(Percentile(all, 0.50)), Milliseconds(Percentile(all, 0.99)),
            Milliseconds(all.Length == 0 ? 0 : all[^1]));
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static long Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>Latency percentiles of one kind of call, in milliseconds.</summary>
internal sealed record LatencySummary(int Count, double P50Ms, double P99Ms, double MaxMs);

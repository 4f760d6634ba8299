namespace Earnest.Cli.Load;

/// <summary>
/// Whether a server's memory has settled: the least-squares slope and the range of its samples over the second half
/// of the measured window. Caches fill at first, so the first half rises on a healthy server; a second half whose
/// slope is near zero is flat, and one that keeps climbing is a leak or an unbounded cache.
/// </summary>
public sealed record MemoryTrend(double MiBPerMinute, long MinBytes, long MaxBytes)
{
    /// <summary>The trend of the second half of <paramref name="samples"/> (by second); null with fewer than two.</summary>
    public static MemoryTrend? OfSecondHalf(IReadOnlyList<(int Second, long Bytes)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var half = samples.Skip(samples.Count / 2).ToList();
        if (half.Count < 2 || half.All(s => s.Second == half[0].Second))
        {
            return null;
        }
        var meanX = half.Average(s => (double)s.Second);
        var meanY = half.Average(s => (double)s.Bytes);
        var covariance = half.Sum(s => (s.Second - meanX) * (s.Bytes - meanY));
        var variance = half.Sum(s => (s.Second - meanX) * (s.Second - meanX));
        var bytesPerSecond = covariance / variance;
        return new MemoryTrend(Math.Round(bytesPerSecond * 60 / 1048576.0, 2), half.Min(s => s.Bytes), half.Max(s => s.Bytes));
    }
}

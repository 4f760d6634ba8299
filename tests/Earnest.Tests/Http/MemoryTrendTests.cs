using Earnest.Cli.Load;
using Xunit;

namespace Earnest.Tests.Http;

/// <summary>The load report's judgement of whether a server's memory has settled.</summary>
public sealed class MemoryTrendTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void a_steady_climb_in_the_second_half_is_its_slope_per_minute()
    {
        // Flat at 100 MiB for a minute, then 2 MiB more every 10 s: 12 MiB a minute.
        var samples = Enumerable.Range(0, 60).Select(s => (s, 100 * MiB))
            .Concat(Enumerable.Range(60, 60).Select(s => (s, 100 * MiB + (s - 60) / 10 * 2 * MiB))).ToList();
        var trend = MemoryTrend.OfSecondHalf(samples)!;
        Assert.InRange(trend.MiBPerMinute, 11.0, 13.0);
        Assert.Equal(100 * MiB, trend.MinBytes);
        Assert.Equal(110 * MiB, trend.MaxBytes);
    }

    [Fact]
    public void caches_filling_in_the_first_half_do_not_count_against_a_flat_second_half()
    {
        var random = new Random(7);
        var samples = Enumerable.Range(0, 600)
            .Select(s => (s, (s < 300 ? 300 + s * 2 : 900) * MiB + random.NextInt64(-8 * MiB, 8 * MiB))).ToList();
        var trend = MemoryTrend.OfSecondHalf(samples)!;
        Assert.InRange(trend.MiBPerMinute, -0.5, 0.5);
        Assert.InRange(trend.MinBytes, 892 * MiB, 900 * MiB);
        Assert.InRange(trend.MaxBytes, 900 * MiB, 908 * MiB);
    }

    [Fact]
    public void too_few_samples_have_no_trend()
    {
        Assert.Null(MemoryTrend.OfSecondHalf([]));
        Assert.Null(MemoryTrend.OfSecondHalf([(0, MiB), (1, 2 * MiB)]));
        Assert.Null(MemoryTrend.OfSecondHalf([(3, MiB), (3, 2 * MiB), (3, 3 * MiB)]));
    }
}

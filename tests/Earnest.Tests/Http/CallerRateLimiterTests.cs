using System.Threading.RateLimiting;
using Earnest.Server.Http;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Earnest.Tests.Http;

public sealed class CallerRateLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    private CallerRateLimiter<string> Limiter(int perSecond, int burst) => new(c => c, perSecond, burst, _time);

    private static TimeSpan? RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : null;

    [Fact]
    public void a_caller_gets_its_burst_then_is_told_when_the_next_token_comes()
    {
        using var limiter = Limiter(perSecond: 2, burst: 3);
        Assert.All(Enumerable.Range(0, 3), _ => Assert.True(limiter.AttemptAcquire("a").IsAcquired));
        var refused = limiter.AttemptAcquire("a");
        Assert.False(refused.IsAcquired);
        Assert.Equal(TimeSpan.FromSeconds(0.5), RetryAfter(refused));

        _time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal(TimeSpan.FromSeconds(0.25), RetryAfter(limiter.AttemptAcquire("a")));
        _time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.True(limiter.AttemptAcquire("a").IsAcquired);
        Assert.False(limiter.AttemptAcquire("a").IsAcquired);
    }

    [Fact]
    public void an_idle_caller_refills_to_its_burst_and_no_further()
    {
        using var limiter = Limiter(perSecond: 5, burst: 4);
        Assert.All(Enumerable.Range(0, 4), _ => Assert.True(limiter.AttemptAcquire("a").IsAcquired));
        _time.Advance(TimeSpan.FromSeconds(5)); // 25 tokens earned, within a sweep period
        Assert.Equal(4, Enumerable.Range(0, 10).Count(_ => limiter.AttemptAcquire("a").IsAcquired));
    }

    [Fact]
    public void one_callers_flood_leaves_the_others_budget_whole()
    {
        using var limiter = Limiter(perSecond: 1, burst: 5);
        Assert.Equal(5, Enumerable.Range(0, 50).Count(_ => limiter.AttemptAcquire("flooder").IsAcquired));
        Assert.Equal(5, Enumerable.Range(0, 5).Count(_ => limiter.AttemptAcquire("other").IsAcquired));
    }

    [Fact]
    public async Task concurrent_requests_of_one_caller_never_get_more_than_its_burst()
    {
        using var limiter = Limiter(perSecond: 1, burst: 1_000);
        var granted = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                if (limiter.AttemptAcquire("a").IsAcquired)
                {
                    Interlocked.Increment(ref granted);
                }
            }
        })));
        Assert.Equal(1_000, granted);
    }

    [Fact]
    public void buckets_that_refilled_are_swept_and_a_swept_caller_starts_full_again()
    {
        using var limiter = Limiter(perSecond: 1, burst: 100);
        for (var c = 0; c < 50; c++)
        {
            Assert.True(limiter.AttemptAcquire("c" + c).IsAcquired);
        }
        // "busy" drains its bucket: 100 s from empty to full, longer than a sweep period.
        Assert.Equal(100, Enumerable.Range(0, 100).Count(_ => limiter.AttemptAcquire("busy").IsAcquired));
        Assert.Equal(51, limiter.Callers);

        _time.Advance(CallerRateLimiter<string>.SweepEvery);
        // The next request sweeps: the 50 are full again and go; "busy" has 10 tokens back and stays.
        Assert.True(limiter.AttemptAcquire("busy").IsAcquired);
        Assert.Equal(1, limiter.Callers);
        Assert.Equal(9, Enumerable.Range(0, 20).Count(_ => limiter.AttemptAcquire("busy").IsAcquired));

        // The swept callers start from a full bucket, as they would have had without the sweep.
        Assert.Equal(100, Enumerable.Range(0, 150).Count(_ => limiter.AttemptAcquire("c0").IsAcquired));
    }
}

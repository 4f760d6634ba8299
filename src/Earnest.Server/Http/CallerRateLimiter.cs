using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Earnest.Server.Http;

/// <summary>
/// One token bucket per caller, refilled continuously and lazily: a request adds what the time since the bucket's last
/// request earned (up to the burst), then takes a token or is refused with how long until one is there.
/// </summary>
/// <remarks>
/// Why not <c>PartitionedRateLimiter.Create</c> with token buckets: it visits every caller's bucket ten times a
/// second, and drops a bucket idle for 10 s (so a contributor thinking 30 s between answers gets a new one each
/// time, and the visited list is rebuilt). At 50,000 signed-in contributors that walk was 9 % of the server's CPU
/// (bench/README.md §5). Here the work is per request; buckets full again (idle long enough to have refilled) are
/// swept at most every <see cref="SweepEvery"/>, which changes nothing a caller can see, since a new bucket is full.
/// </remarks>
public sealed class CallerRateLimiter<TResource> : PartitionedRateLimiter<TResource>
{
    public static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly Func<TResource, string> _caller;
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _burst;
    private readonly long _sweepTicks;
    private long _nextSweep;

    public CallerRateLimiter(Func<TResource, string> caller, int perSecond, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _caller = caller;
        _time = time;
        _perSecond = perSecond;
        _burst = burst;
        _sweepTicks = (long)(SweepEvery.TotalSeconds * time.TimestampFrequency);
        _nextSweep = time.GetTimestamp() + _sweepTicks;
    }

    /// <summary>How many callers have a bucket that is not full.</summary>
    public int Callers => _buckets.Count;

    public override RateLimiterStatistics? GetStatistics(TResource resource) => null;

    protected override RateLimitLease AttemptAcquireCore(TResource resource, int permitCount)
    {
        var now = _time.GetTimestamp();
        if (now >= Volatile.Read(ref _nextSweep))
        {
            Sweep(now);
        }
        var key = _caller(resource);
        while (true)
        {
            var bucket = _buckets.GetOrAdd(key, static (_, s) => new Bucket(s.Burst, s.Now), (Burst: _burst, Now: now));
            lock (bucket)
            {
                if (bucket.Swept)
                {
                    continue; // Removed as full between the lookup and the lock: a new one stands for it.
                }
                var tokens = TokensAt(bucket, now);
                bucket.Tokens = tokens;
                bucket.At = Math.Max(bucket.At, now);
                if (tokens >= permitCount)
                {
                    bucket.Tokens -= permitCount;
                    return Granted.Lease;
                }
                return new Refused(TimeSpan.FromSeconds((permitCount - tokens) / _perSecond));
            }
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(TResource resource, int permitCount,
        CancellationToken cancellationToken) =>
        // No queue: a caller over its rate is told when to come back.
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

    private double TokensAt(Bucket bucket, long now) =>
        Math.Min(_burst, bucket.Tokens + Math.Max(0, now - bucket.At) * _perSecond / _time.TimestampFrequency);

    /// <summary>Drops the buckets that have refilled to the burst: a caller coming back gets a full one anyway.</summary>
    private void Sweep(long now)
    {
        var due = Volatile.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + _sweepTicks, due) != due)
        {
            return; // Another request sweeps.
        }
        foreach (var (key, bucket) in _buckets)
        {
            lock (bucket)
            {
                if (TokensAt(bucket, now) < _burst)
                {
                    continue;
                }
                bucket.Swept = true;
            }
            _buckets.TryRemove(new KeyValuePair<string, Bucket>(key, bucket));
        }
    }

    private sealed class Bucket(double tokens, long at)
    {
        public double Tokens = tokens;
        public long At = at;
        public bool Swept;
    }

    private sealed class Granted : RateLimitLease
    {
        public static readonly Granted Lease = new();

        public override bool IsAcquired => true;
        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    private sealed class Refused(TimeSpan retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => false;
        public override IEnumerable<string> MetadataNames => [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? retryAfter : null;
            return metadata is not null;
        }
    }
}

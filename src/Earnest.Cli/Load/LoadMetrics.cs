using System.Diagnostics;

namespace Earnest.Cli.Load;

/// <summary>Latencies of one kind of request (or of time-to-paid), in milliseconds, and their outcomes.</summary>
public sealed class LatencyRecorder
{
    private readonly object _gate = new();
    private readonly List<double> _all = [];
    private readonly Dictionary<int, List<double>> _bySecond = [];
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);

    /// <summary>Records one measurement at a second of the run (negative: warm-up, kept out of the totals).</summary>
    public void Add(int second, double milliseconds)
    {
        lock (_gate)
        {
            if (!_bySecond.TryGetValue(second, out var list))
            {
                _bySecond[second] = list = [];
            }
            list.Add(milliseconds);
            if (second >= 0)
            {
                _all.Add(milliseconds);
            }
        }
    }

    /// <summary>Counts a failed request by its reason (an HTTP status, "timeout", "network").</summary>
    public void Error(int second, string reason)
    {
        if (second < 0)
        {
            return;
        }
        lock (_gate)
        {
            _errors[reason] = _errors.GetValueOrDefault(reason) + 1;
        }
    }

    /// <summary>The summary over the measured window.</summary>
    public LatencySummary Summary()
    {
        lock (_gate)
        {
            return LatencySummary.Of(_all, _errors);
        }
    }

    /// <summary>Count and percentiles of one second.</summary>
    public LatencySummary Second(int second)
    {
        lock (_gate)
        {
            return LatencySummary.Of(_bySecond.GetValueOrDefault(second) ?? [], new Dictionary<string, long>());
        }
    }
}

/// <summary>Count, percentiles (nearest rank) and errors.</summary>
public sealed record LatencySummary(long Count, double? P50, double? P95, double? P99, double? Max,
    IReadOnlyDictionary<string, long> Errors)
{
    /// <summary>Summarises measurements.</summary>
    public static LatencySummary Of(List<double> values, IReadOnlyDictionary<string, long> errors)
    {
        if (values.Count == 0)
        {
            return new LatencySummary(0, null, null, null, null, new Dictionary<string, long>(errors));
        }
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double At(double p) => Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 3);
        return new LatencySummary(sorted.Length, At(0.50), At(0.95), At(0.99), Math.Round(sorted[^1], 3),
            new Dictionary<string, long>(errors));
    }
}

/// <summary>Counters per second of the run.</summary>
public sealed class SecondCounters(int seconds)
{
    private readonly long[] _values = new long[seconds];

    /// <summary>Adds one at a second (ignored outside the run).</summary>
    public void Increment(int second)
    {
        if (second >= 0 && second < _values.Length)
        {
            Interlocked.Increment(ref _values[second]);
        }
    }

    /// <summary>The count of a second.</summary>
    public long this[int second] => Interlocked.Read(ref _values[second]);

    /// <summary>The total over the measured window.</summary>
    public long Total => _values.Sum();
}

/// <summary>The run's clock: seconds since the measured window opened; -1 outside the window (warm-up, or after it
/// closed while the last requests finish), so every counter and recorder agrees on what was measured.</summary>
public sealed class RunClock(TimeSpan warmup, TimeSpan duration)
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();

    /// <summary>Elapsed time since the start of the warm-up.</summary>
    public TimeSpan Elapsed => _watch.Elapsed;

    /// <summary>Milliseconds since the start, as a high-resolution timestamp for latencies.</summary>
    public static long Now => Stopwatch.GetTimestamp();

    /// <summary>Milliseconds between two timestamps.</summary>
    public static double Milliseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    /// <summary>The second of the measured window now, or -1 outside it.</summary>
    public int Second
    {
        get
        {
            var since = _watch.Elapsed - warmup;
            return since < TimeSpan.Zero || since >= duration ? -1 : (int)Math.Floor(since.TotalSeconds);
        }
    }
}

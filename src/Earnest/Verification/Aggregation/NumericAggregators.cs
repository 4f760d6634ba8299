namespace Earnest.Verification.Aggregation;

/// <summary>Shared shape of the numeric methods: a value per task from its answers, NaN for a task with none.</summary>
internal static class NumericResult
{
    public static AggregationResult Of(AnswerMatrix m, double[] value, double[] quality, int iterations)
    {
        var confidence = new double[m.TaskCount];
        for (var t = 0; t < m.TaskCount; t++)
        {
            confidence[t] = m.AnswersOf(t) == 0 ? 0 : 1 - 1.0 / (1 + m.AnswersOf(t));
        }
        return new AggregationResult(Enumerable.Repeat(-1, m.TaskCount).ToArray(), confidence, value, quality, iterations);
    }

    public static double[] PerTask(AnswerMatrix m, Func<ReadOnlySpan<double>, double> estimate)
    {
        var value = new double[m.TaskCount];
        for (var t = 0; t < m.TaskCount; t++)
        {
            var answers = m.Value.AsSpan(m.TaskStart[t], m.AnswersOf(t));
            value[t] = answers.Length == 0 ? double.NaN : estimate(answers);
        }
        return value;
    }

    public static void RequireNumeric(AnswerMatrix m)
    {
        if (!m.IsNumeric)
        {
            throw new ArgumentException("This method takes numeric answers.", nameof(m));
        }
    }
}

/// <summary>The mean of a task's answers. Quality: 1 / (1 + the contributor's mean absolute deviation / the answers' spread).</summary>
public sealed class MeanValue : IAggregator
{
    /// <inheritdoc />
    public string Name => "mean";

    /// <inheritdoc />
    public string Version => "mean/1";

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public AggregationResult Aggregate(AnswerMatrix matrix, AggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        NumericResult.RequireNumeric(matrix);
        var value = NumericResult.PerTask(matrix, a => Sum(a) / a.Length);
        return NumericResult.Of(matrix, value, ReliabilityWeightedMean.Quality(matrix, value), 1);
    }

    internal static double Sum(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }
        return sum;
    }
}

/// <summary>The median of a task's answers (the mean of the two middle ones for an even count).</summary>
public sealed class MedianValue : IAggregator
{
    /// <inheritdoc />
    public string Name => "median";

    /// <inheritdoc />
    public string Version => "median/1";

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public AggregationResult Aggregate(AnswerMatrix matrix, AggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        NumericResult.RequireNumeric(matrix);
        var value = NumericResult.PerTask(matrix, Median);
        return NumericResult.Of(matrix, value, ReliabilityWeightedMean.Quality(matrix, value), 1);
    }

    internal static double Median(ReadOnlySpan<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

/// <summary>
/// A robust reliability-weighted mean: start from the median; weight each contributor by 1 / (its mean squared
/// residual + a prior variance), with each residual capped at <see cref="HuberCap"/> times the typical residual
/// (so one wild answer cannot ruin a contributor's weight, nor one contributor a task); re-estimate each task as
/// the weighted mean; repeat until the estimates settle.
/// </summary>
public sealed class ReliabilityWeightedMean : IAggregator
{
    /// <summary>Residuals beyond this many typical residuals count as this many.</summary>
    public const double HuberCap = 3;

    /// <inheritdoc />
    public string Name => "rwmean";

    /// <inheritdoc />
    public string Version => "rwmean/1";

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public AggregationResult Aggregate(AnswerMatrix matrix, AggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(options);
        NumericResult.RequireNumeric(matrix);
        var value = NumericResult.PerTask(matrix, MedianValue.Median);
        var weight = new double[matrix.WorkerCount];
        var iterations = 0;
        while (iterations < options.MaxIterations)
        {
            iterations++;
            var cap = Weights(matrix, value, weight);
            var next = new double[matrix.TaskCount];
            for (var t = 0; t < matrix.TaskCount; t++)
            {
                double sum = 0, total = 0;
                for (var i = matrix.TaskStart[t]; i < matrix.TaskStart[t + 1]; i++)
                {
                    // Huber: an answer counts at most `cap` away from the current estimate.
                    var clipped = Math.Clamp(matrix.Value![i], value[t] - cap, value[t] + cap);
                    sum += weight[matrix.Worker[i]] * clipped;
                    total += weight[matrix.Worker[i]];
                }
                next[t] = total > 0 ? sum / total : double.NaN;
            }
            var change = 0.0;
            for (var t = 0; t < next.Length; t++)
            {
                if (!double.IsNaN(next[t]))
                {
                    change = Math.Max(change, Math.Abs(next[t] - value[t]));
                }
            }
            value = next;
            if (change < options.Tolerance)
            {
                break;
            }
        }
        return NumericResult.Of(matrix, value, Quality(matrix, value), iterations);
    }

    /// <summary>Sets each contributor's weight; returns the residual cap.</summary>
    private static double Weights(AnswerMatrix m, double[] value, double[] weight)
    {
        var residuals = Enumerable.Range(0, m.AnswerCount).Select(i => Math.Abs(m.Value![i] - value[m.Task[i]])).ToArray();
        // The mean absolute residual, not the median: integer scores often sit exactly on the median, which would
        // make a median residual 0 and clip every answer onto the starting estimate.
        var typical = residuals.Length == 0 ? 1 : Math.Max(residuals.Average(), 1e-9);
        var cap = HuberCap * typical;
        var sq = new double[m.WorkerCount];
        var n = new double[m.WorkerCount];
        for (var i = 0; i < m.AnswerCount; i++)
        {
            var r = Math.Min(residuals[i], cap);
            sq[m.Worker[i]] += r * r;
            n[m.Worker[i]] += 1;
        }
        // The prior variance is one typical residual squared, worth one answer: a contributor seen once keeps a
        // moderate weight.
        var prior = typical * typical;
        for (var w = 0; w < weight.Length; w++)
        {
            weight[w] = 1 / ((sq[w] + prior) / (n[w] + 1));
        }
        return cap;
    }

    /// <summary>Quality in [0, 1]: 1 / (1 + the contributor's mean absolute residual over the typical one).</summary>
    internal static double[] Quality(AnswerMatrix m, double[] value)
    {
        var abs = new double[m.WorkerCount];
        var n = new double[m.WorkerCount];
        var all = new List<double>();
        for (var i = 0; i < m.AnswerCount; i++)
        {
            var r = Math.Abs(m.Value![i] - value[m.Task[i]]);
            abs[m.Worker[i]] += r;
            n[m.Worker[i]] += 1;
            all.Add(r);
        }
        var typical = all.Count == 0 ? 1 : Math.Max(all.Average(), 1e-9);
        return abs.Select((a, w) => n[w] == 0 ? 0 : 1 / (1 + a / n[w] / typical)).ToArray();
    }
}

namespace Earnest.Verification.Aggregation;

/// <summary>
/// Shared pieces of the EM methods: soft majority-vote starting posteriors, clamping known tasks, turning
/// posteriors into answers, and the log-sum-exp normalisation of one task's row.
/// </summary>
internal static class Posteriors
{
    /// <summary>Per task, the share of its answers per label (uniform for a task with none); known tasks one-hot.</summary>
    public static double[] SoftMajority(AnswerMatrix m, int[]? known)
    {
        var k = m.LabelCount;
        var post = new double[m.TaskCount * k];
        for (var t = 0; t < m.TaskCount; t++)
        {
            var n = m.AnswersOf(t);
            for (var i = m.TaskStart[t]; i < m.TaskStart[t + 1]; i++)
            {
                post[t * k + m.Label[i]] += 1.0 / n;
            }
            if (n == 0)
            {
                Array.Fill(post, 1.0 / k, t * k, k);
            }
        }
        Clamp(post, k, known);
        return post;
    }

    /// <summary>Sets the posterior of every known task to its known label.</summary>
    public static void Clamp(double[] post, int k, int[]? known)
    {
        if (known is null)
        {
            return;
        }
        for (var t = 0; t < known.Length; t++)
        {
            if (known[t] >= 0)
            {
                Array.Clear(post, t * k, k);
                post[t * k + known[t]] = 1;
            }
        }
    }

    /// <summary>Normalises log-weights in place into probabilities (max-shifted, so no overflow).</summary>
    public static void NormalizeLog(Span<double> row)
    {
        var max = double.NegativeInfinity;
        foreach (var v in row)
        {
            max = Math.Max(max, v);
        }
        var sum = 0.0;
        for (var j = 0; j < row.Length; j++)
        {
            row[j] = Math.Exp(row[j] - max);
            sum += row[j];
        }
        for (var j = 0; j < row.Length; j++)
        {
            row[j] /= sum;
        }
    }

    /// <summary>The most probable label per task (lowest index on exact ties; -1 for tasks with no answers).</summary>
    public static (int[] Answer, double[] Confidence) Decide(AnswerMatrix m, double[] post, int[]? known)
    {
        var k = m.LabelCount;
        var answer = new int[m.TaskCount];
        var confidence = new double[m.TaskCount];
        for (var t = 0; t < m.TaskCount; t++)
        {
            if (m.AnswersOf(t) == 0 && (known is null || known[t] < 0))
            {
                answer[t] = -1;
                continue;
            }
            var best = 0;
            for (var j = 1; j < k; j++)
            {
                if (post[t * k + j] > post[t * k + best])
                {
                    best = j;
                }
            }
            answer[t] = best;
            confidence[t] = post[t * k + best];
        }
        return (answer, confidence);
    }

    /// <summary>The largest absolute difference between two arrays.</summary>
    public static double MaxChange(double[] a, double[] b)
    {
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }
        return max;
    }

    /// <summary>
    /// The EM loop shared by the categorical methods: from soft majority vote, alternate the method's M-step
    /// (parameters from posteriors) and E-step (posteriors from parameters) until no posterior moves by more than
    /// the tolerance or the iteration cap is reached. Returns the final posteriors and the iterations run.
    /// </summary>
    public static (double[] Posterior, int Iterations) Em(AnswerMatrix m, AggregationOptions options,
        Action<double[]> maximize, Action<double[]> expect)
    {
        var post = SoftMajority(m, options.Known);
        var next = new double[post.Length];
        var iterations = 0;
        while (iterations < options.MaxIterations)
        {
            iterations++;
            maximize(post);
            expect(next);
            Clamp(next, m.LabelCount, options.Known);
            var change = MaxChange(post, next);
            (post, next) = (next, post);
            if (change < options.Tolerance)
            {
                break;
            }
        }
        return (post, iterations);
    }

    /// <summary>The result of an EM method from its final posteriors.</summary>
    public static AggregationResult Result(AnswerMatrix m, double[] post, int[]? known, double[] quality,
        int iterations)
    {
        var (answer, confidence) = Decide(m, post, known);
        return new AggregationResult(answer, confidence, null, quality, iterations);
    }

    /// <summary>True when there is nothing to infer (no labels or no tasks).</summary>
    public static bool IsEmpty(AnswerMatrix m) => m.LabelCount == 0 || m.TaskCount == 0;

    /// <summary>An empty result for a matrix with no labels or no tasks.</summary>
    public static AggregationResult Empty(AnswerMatrix m) =>
        new(Enumerable.Repeat(-1, m.TaskCount).ToArray(), new double[m.TaskCount], null, new double[m.WorkerCount], 0);
}

namespace Earnest.Verification.Aggregation;

/// <summary>
/// Majority vote: each task's answer is its most frequent label; ties go to the label that arrived first, so the
/// result is deterministic. Confidence is the posterior mean of the winner's share under a uniform prior over the
/// labels, (votes + 1) / (answers + labels). A contributor's quality is its agreement with the majority.
/// </summary>
public sealed class MajorityVote : IAggregator
{
    /// <inheritdoc />
    public string Name => "mv";

    /// <inheritdoc />
    public string Version => "mv/1";

    /// <inheritdoc />
    public bool IsNumeric => false;

    /// <inheritdoc />
    public AggregationResult Aggregate(AnswerMatrix matrix, AggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(options);
        var answer = new int[matrix.TaskCount];
        var confidence = new double[matrix.TaskCount];
        var counts = new int[Math.Max(matrix.LabelCount, 1)];
        var first = new int[counts.Length];
        for (var t = 0; t < matrix.TaskCount; t++)
        {
            answer[t] = Vote(matrix, t, counts, first, out var votes);
            var n = matrix.AnswersOf(t);
            confidence[t] = answer[t] < 0 ? 0 : (votes + 1.0) / (n + Math.Max(matrix.LabelCount, 2));
            if (options.Known is { } known && known[t] >= 0)
            {
                answer[t] = known[t];
                confidence[t] = 1;
            }
        }
        return new AggregationResult(answer, confidence, null, Agreement(matrix, answer), 1);
    }

    /// <summary>The majority label of one task (-1 when it has no answers), ties to the first to arrive.</summary>
    internal static int Vote(AnswerMatrix matrix, int task, int[] counts, int[] first, out int votes)
    {
        Array.Clear(counts);
        Array.Fill(first, int.MaxValue);
        var best = -1;
        votes = 0;
        for (var i = matrix.TaskStart[task]; i < matrix.TaskStart[task + 1]; i++)
        {
            var l = matrix.Label[i];
            counts[l]++;
            first[l] = Math.Min(first[l], i);
        }
        for (var l = 0; l < counts.Length; l++)
        {
            if (counts[l] > votes || (counts[l] == votes && counts[l] > 0 && first[l] < first[best]))
            {
                best = l;
                votes = counts[l];
            }
        }
        return best;
    }

    /// <summary>Each contributor's share of answers equal to the task's inferred answer (with a 1/2 prior weight).</summary>
    internal static double[] Agreement(AnswerMatrix matrix, int[] answer)
    {
        var agree = new double[matrix.WorkerCount];
        var total = new double[matrix.WorkerCount];
        for (var i = 0; i < matrix.AnswerCount; i++)
        {
            var w = matrix.Worker[i];
            total[w]++;
            if (matrix.Label[i] == answer[matrix.Task[i]])
            {
                agree[w]++;
            }
        }
        var quality = new double[matrix.WorkerCount];
        for (var w = 0; w < quality.Length; w++)
        {
            quality[w] = (agree[w] + 0.5) / (total[w] + 1);
        }
        return quality;
    }
}

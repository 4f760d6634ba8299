namespace Earnest.Verification.Aggregation;

/// <summary>
/// One-coin Dawid–Skene: one accuracy per contributor, errors spread evenly over the other labels. Fewer parameters
/// than full Dawid–Skene (1 instead of K×(K−1) per contributor), so it estimates sparse contributors better. EM from
/// soft majority-vote posteriors; accuracy gets a Beta(<see cref="PriorRight"/>, <see cref="PriorWrong"/>) prior.
/// </summary>
public sealed class OneCoinDawidSkene : IAggregator
{
    /// <summary>Pseudo-counts of the accuracy prior (mean 0.7 over 2 answers): a new contributor is assumed better than chance.</summary>
    public const double PriorRight = 1.4, PriorWrong = 0.6;

    /// <inheritdoc />
    public string Name => "ods";

    /// <inheritdoc />
    public string Version => "ods/1";

    /// <inheritdoc />
    public bool IsNumeric => false;

    /// <inheritdoc />
    public AggregationResult Aggregate(AnswerMatrix matrix, AggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(options);
        if (Posteriors.IsEmpty(matrix))
        {
            return Posteriors.Empty(matrix);
        }
        var accuracy = new double[matrix.WorkerCount];
        var prior = new double[matrix.LabelCount];
        var (post, iterations) = Posteriors.Em(matrix, options,
            p => Maximize(matrix, p, accuracy, prior), p => Expect(matrix, p, accuracy, prior));
        return Posteriors.Result(matrix, post, options.Known, accuracy, iterations);
    }

    private static void Maximize(AnswerMatrix m, double[] post, double[] accuracy, double[] prior)
    {
        var k = m.LabelCount;
        var right = new double[m.WorkerCount];
        var total = new double[m.WorkerCount];
        for (var i = 0; i < m.AnswerCount; i++)
        {
            right[m.Worker[i]] += post[m.Task[i] * k + m.Label[i]];
            total[m.Worker[i]] += 1;
        }
        for (var w = 0; w < accuracy.Length; w++)
        {
            accuracy[w] = (right[w] + PriorRight) / (total[w] + PriorRight + PriorWrong);
        }
        Array.Fill(prior, DawidSkene.ClassPrior);
        for (var t = 0; t < m.TaskCount; t++)
        {
            if (m.AnswersOf(t) > 0)
            {
                for (var j = 0; j < k; j++)
                {
                    prior[j] += post[t * k + j];
                }
            }
        }
        var sum = prior.Sum();
        for (var j = 0; j < k; j++)
        {
            prior[j] /= sum;
        }
    }

    private static void Expect(AnswerMatrix m, double[] post, double[] accuracy, double[] prior)
    {
        var k = m.LabelCount;
        var logRight = accuracy.Select(a => Math.Log(a)).ToArray();
        var logWrong = accuracy.Select(a => Math.Log((1 - a) / Math.Max(k - 1, 1))).ToArray();
        var logPrior = prior.Select(p => Math.Log(p)).ToArray();
        for (var t = 0; t < m.TaskCount; t++)
        {
            var row = post.AsSpan(t * k, k);
            logPrior.CopyTo(row);
            for (var i = m.TaskStart[t]; i < m.TaskStart[t + 1]; i++)
            {
                var w = m.Worker[i];
                for (var j = 0; j < k; j++)
                {
                    row[j] += j == m.Label[i] ? logRight[w] : logWrong[w];
                }
            }
            Posteriors.NormalizeLog(row);
        }
    }
}

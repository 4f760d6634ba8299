namespace Earnest.Verification.Aggregation;

/// <summary>
/// MACE (Hovy et al. 2013): each contributor either knows the answer (probability 1 − θ) or spams, choosing a label
/// from its own distribution ξ. EM from soft majority-vote posteriors (a deterministic start instead of MACE's random
/// restarts); θ gets a Beta(<see cref="SpamPrior"/>) prior and ξ a Dirichlet of <see cref="LabelPrior"/> per label.
/// Quality is 1 − θ.
/// </summary>
public sealed class Mace : IAggregator
{
    /// <summary>Beta pseudo-counts (knowing, spamming) of a contributor's spam probability.</summary>
    public const double KnowPrior = 1.0, SpamPrior = 1.0;

    /// <summary>Dirichlet pseudo-count of each label in a spammer's label distribution.</summary>
    public const double LabelPrior = 1.0;

    /// <inheritdoc />
    public string Name => "mace";

    /// <inheritdoc />
    public string Version => "mace/1";

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
        var theta = new double[matrix.WorkerCount];
        var xi = new double[matrix.WorkerCount * matrix.LabelCount];
        var (post, iterations) = Posteriors.Em(matrix, options,
            p => Maximize(matrix, p, theta, xi), p => Expect(matrix, p, theta, xi));
        return Posteriors.Result(matrix, post, options.Known, theta.Select(t => 1 - t).ToArray(), iterations);
    }

    /// <summary>Expected counts of knowing and spamming per answer, given the task posteriors.</summary>
    private static void Maximize(AnswerMatrix m, double[] post, double[] theta, double[] xi)
    {
        var k = m.LabelCount;
        var spam = new double[m.WorkerCount];
        var total = new double[m.WorkerCount];
        var spamLabel = new double[m.WorkerCount * k];
        var first = theta.All(t => t == 0);
        for (var i = 0; i < m.AnswerCount; i++)
        {
            var w = m.Worker[i];
            var l = m.Label[i];
            var pTrue = post[m.Task[i] * k + l];
            // P(spam | answer l) = Σ_z P(z) · θξ_l / (θξ_l + (1−θ)[z = l]); at the start θ = ½ and ξ uniform.
            var th = first ? 0.5 : theta[w];
            var x = first ? 1.0 / k : xi[w * k + l];
            var spamWhenRight = th * x / (th * x + (1 - th));
            var s = pTrue * spamWhenRight + (1 - pTrue);
            spam[w] += s;
            total[w] += 1;
            spamLabel[w * k + l] += s;
        }
        for (var w = 0; w < m.WorkerCount; w++)
        {
            theta[w] = (spam[w] + SpamPrior) / (total[w] + SpamPrior + KnowPrior);
            var sum = 0.0;
            for (var l = 0; l < k; l++)
            {
                sum += spamLabel[w * k + l] + LabelPrior;
            }
            for (var l = 0; l < k; l++)
            {
                xi[w * k + l] = (spamLabel[w * k + l] + LabelPrior) / sum;
            }
        }
    }

    private static void Expect(AnswerMatrix m, double[] post, double[] theta, double[] xi)
    {
        var k = m.LabelCount;
        for (var t = 0; t < m.TaskCount; t++)
        {
            var row = post.AsSpan(t * k, k);
            row.Clear();
            for (var i = m.TaskStart[t]; i < m.TaskStart[t + 1]; i++)
            {
                var w = m.Worker[i];
                var l = m.Label[i];
                var spamOnly = Math.Log(theta[w] * xi[w * k + l]);
                var knowing = Math.Log(theta[w] * xi[w * k + l] + (1 - theta[w]));
                for (var j = 0; j < k; j++)
                {
                    row[j] += j == l ? knowing : spamOnly;
                }
            }
            Posteriors.NormalizeLog(row);
        }
    }
}

namespace Earnest.Verification.Aggregation;

/// <summary>
/// GLAD (Whitehill et al. 2009): a contributor's ability α and a task's inverse difficulty β > 0 give the chance of
/// a right answer σ(αβ); wrong answers spread evenly over the other labels. EM: the E-step computes task
/// posteriors, the M-step takes <see cref="GradientSteps"/> gradient-ascent steps on the expected log-likelihood with
/// Gaussian priors on α (mean 1) and log β (mean 0), both of variance 1. Starts from soft majority vote.
/// Quality is σ(α), the chance of a right answer on a task of average difficulty.
/// </summary>
public sealed class Glad : IAggregator
{
    /// <summary>Gradient steps per M-step, and their size.</summary>
    public const int GradientSteps = 5;

    /// <summary>Step size of the M-step's gradient ascent.</summary>
    public const double StepSize = 0.05;

    /// <inheritdoc />
    public string Name => "glad";

    /// <inheritdoc />
    public string Version => "glad/1";

    /// <inheritdoc />
    public bool IsNumeric => false;

    /// <inheritdoc />
    public AggregationResult Aggregate(AnswerMatrix matrix, AggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(options);
        var k = matrix.LabelCount;
        if (k == 0 || matrix.TaskCount == 0)
        {
            return Posteriors.Empty(matrix);
        }
        var post = Posteriors.SoftMajority(matrix, options.Known);
        var next = new double[post.Length];
        var alpha = Enumerable.Repeat(1.0, matrix.WorkerCount).ToArray();
        var logBeta = new double[matrix.TaskCount];
        var iterations = 0;
        while (iterations < options.MaxIterations)
        {
            iterations++;
            for (var step = 0; step < GradientSteps; step++)
            {
                Ascend(matrix, post, alpha, logBeta);
            }
            Expect(matrix, next, alpha, logBeta, options.Known);
            var change = Posteriors.MaxChange(post, next);
            (post, next) = (next, post);
            if (change < options.Tolerance)
            {
                break;
            }
        }
        var (answer, confidence) = Posteriors.Decide(matrix, post, options.Known);
        return new AggregationResult(answer, confidence, null, alpha.Select(Sigmoid).ToArray(), iterations);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>One gradient step on α and log β of the expected complete log-likelihood plus the priors.</summary>
    private static void Ascend(AnswerMatrix m, double[] post, double[] alpha, double[] logBeta)
    {
        var k = m.LabelCount;
        var gradAlpha = new double[alpha.Length];
        var gradLogBeta = new double[logBeta.Length];
        for (var i = 0; i < m.AnswerCount; i++)
        {
            var t = m.Task[i];
            var w = m.Worker[i];
            var beta = Math.Exp(logBeta[t]);
            var s = Sigmoid(alpha[w] * beta);
            var right = post[t * k + m.Label[i]];
            // d/dx of [right·log σ(x) + (1−right)·log((1−σ(x))/(K−1))] = right − σ(x), with x = αβ.
            var g = right - s;
            gradAlpha[w] += g * beta;
            gradLogBeta[t] += g * alpha[w] * beta;
        }
        for (var w = 0; w < alpha.Length; w++)
        {
            alpha[w] += StepSize * (gradAlpha[w] - (alpha[w] - 1));
        }
        for (var t = 0; t < logBeta.Length; t++)
        {
            logBeta[t] += StepSize * (gradLogBeta[t] - logBeta[t]);
        }
    }

    private static void Expect(AnswerMatrix m, double[] post, double[] alpha, double[] logBeta, int[]? known)
    {
        var k = m.LabelCount;
        for (var t = 0; t < m.TaskCount; t++)
        {
            var row = post.AsSpan(t * k, k);
            row.Clear();
            var beta = Math.Exp(logBeta[t]);
            for (var i = m.TaskStart[t]; i < m.TaskStart[t + 1]; i++)
            {
                var s = Math.Clamp(Sigmoid(alpha[m.Worker[i]] * beta), 1e-9, 1 - 1e-9);
                var logRight = Math.Log(s);
                var logWrong = Math.Log((1 - s) / Math.Max(k - 1, 1));
                for (var j = 0; j < k; j++)
                {
                    row[j] += j == m.Label[i] ? logRight : logWrong;
                }
            }
            Posteriors.NormalizeLog(row);
        }
        Posteriors.Clamp(post, k, known);
    }
}

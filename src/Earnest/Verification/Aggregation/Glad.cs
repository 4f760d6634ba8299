namespace Earnest.Verification.Aggregation;

/// <summary>
/// GLAD (Whitehill, Ruvolo, Wu, Bergsma, Movellan, "Whose Vote Should Count More", NIPS 2009). Contributor w has
/// an ability α_w (negative for one who answers against the truth), task t an inverse difficulty β_t &gt; 0, and w
/// answers t correctly with probability σ(α_w β_t); a wrong answer is uniform over the other labels (the
/// multi-class form crowd-kit uses). Labels have a uniform prior.
/// </summary>
/// <remarks>
/// EM starting from majority-vote shares. The E-step computes each task's posterior over labels, clamping tasks
/// of <see cref="AggregationOptions.Known"/> to their known label. The M-step is gradient ascent on the expected
/// log-likelihood plus Gaussian priors α ~ N(1, 1) and log β ~ N(1, 1), the priors of the authors' code and of
/// crowd-kit; β is parameterized by its log so it stays positive. Each step is preconditioned by the parameter's
/// Fisher information (a Newton step for α), capped and halved until the objective does not decrease, so no
/// iteration lowers the log posterior of the parameters, as generalized EM requires. Confidence is the
/// answer's posterior. A contributor's quality is σ(α_w β̄), its probability of answering a task of average
/// difficulty correctly, with β̄ the geometric mean of the answered tasks' β.
/// </remarks>
public sealed class Glad : IAggregator
{
    private const double AlphaPriorMean = 1;
    private const double AlphaPriorVariance = 1;
    private const double LogBetaPriorMean = 1;
    private const double LogBetaPriorVariance = 1;

    // A step never moves a parameter by more than this (α, or log β) and is halved at most this often until the
    // objective does not decrease; together they keep every step an ascent step, so EM stays monotone.
    private const double MaxStep = 1;
    private const int MaxHalvings = 10;

    /// <inheritdoc />
    public string Name => "glad";

    /// <inheritdoc />
    public string Version => "glad/1";

    /// <inheritdoc />
    public bool IsNumeric => false;

    /// <inheritdoc />
    public AggregationResult Aggregate(AnswerMatrix matrix, AggregationOptions options)
    {
        var k = GladPosteriors.Validate(matrix, options);
        if (Posteriors.IsEmpty(matrix))
        {
            return Posteriors.Empty(matrix);
        }
        var posterior = Posteriors.SoftMajority(matrix, options.Known);
        var alpha = new double[matrix.WorkerCount];
        var logBeta = new double[matrix.TaskCount];
        var beta = new double[matrix.TaskCount];
        Array.Fill(alpha, AlphaPriorMean);
        Array.Fill(logBeta, LogBetaPriorMean);
        Array.Fill(beta, Math.Exp(LogBetaPriorMean));
        var own = new double[matrix.AnswerCount];
        var logits = new double[k];
        var iterations = 0;
        while (iterations < Math.Max(options.MaxIterations, 1))
        {
            iterations++;
            GladPosteriors.OfOwnLabel(matrix, posterior, k, own);
            // Generalized EM: one ascent step on every ability, then on every difficulty. Three per iteration gave
            // the same answers on four of Zheng et al.'s sets in more passes over the answers (on D_Product, 70
            // iterations of three steps against 101 of one).
            var moved = Math.Max(FitAbilities(matrix, own, beta, alpha),
                FitDifficulties(matrix, own, alpha, logBeta, beta));
            moved = Math.Max(moved, Expect(matrix, alpha, beta, k, options.Known, posterior, logits));
            if (moved <= options.Tolerance)
            {
                break;
            }
        }
        var (answer, confidence) = GladPosteriors.Decide(matrix, posterior, k, options.Known);
        return new AggregationResult(answer, confidence, null, Quality(matrix, alpha, logBeta), iterations);
    }

    /// <summary>E-step: each task's posterior over labels. Returns the largest change of a probability.</summary>
    private static double Expect(AnswerMatrix matrix, double[] alpha, double[] beta, int k, int[]? known,
        double[] posterior, double[] logits)
    {
        // log σ(x) − log((1 − σ(x)) / (K − 1)) = x + log(K − 1): what one answer adds to its label's log-odds
        // against each other label. Terms common to all labels cancel in the normalization.
        var logOthers = Math.Log(Math.Max(k - 1, 1));
        var moved = 0.0;
        for (var t = 0; t < matrix.TaskCount; t++)
        {
            if (GladPosteriors.IsKnown(known, t) || matrix.AnswersOf(t) == 0)
            {
                continue;
            }
            Array.Clear(logits);
            for (var i = matrix.TaskStart[t]; i < matrix.TaskStart[t + 1]; i++)
            {
                logits[matrix.Label[i]] += alpha[matrix.Worker[i]] * beta[t] + logOthers;
            }
            moved = Math.Max(moved, GladPosteriors.Normalize(logits, posterior, t * k));
        }
        return moved;
    }

    /// <summary>One ascent step on each contributor's ability. Returns the largest move.</summary>
    private static double FitAbilities(AnswerMatrix matrix, double[] own, double[] beta, double[] alpha)
    {
        var moved = 0.0;
        for (var w = 0; w < matrix.WorkerCount; w++)
        {
            var a = alpha[w];
            var current = -(a - AlphaPriorMean) * (a - AlphaPriorMean) / (2 * AlphaPriorVariance);
            var gradient = -(a - AlphaPriorMean) / AlphaPriorVariance;
            var information = 1 / AlphaPriorVariance;
            for (var j = matrix.WorkerStart[w]; j < matrix.WorkerStart[w + 1]; j++)
            {
                var i = matrix.ByWorker[j];
                var b = beta[matrix.Task[i]];
                var x = a * b;
                var s = Sigmoid(x);
                current += AnswerObjective(x, own[i], s);
                gradient += (own[i] - s) * b;
                information += s * (1 - s) * b * b;
            }
            var step = Math.Clamp(gradient / information, -MaxStep, MaxStep);
            for (var h = 0; h < MaxHalvings && step != 0; h++, step /= 2)
            {
                if (AbilityObjective(matrix, own, beta, w, a + step) >= current)
                {
                    alpha[w] = a + step;
                    moved = Math.Max(moved, Math.Abs(step));
                    break;
                }
            }
        }
        return moved;
    }

    /// <summary>One ascent step on each answered task's log inverse difficulty. Returns the largest move.</summary>
    private static double FitDifficulties(AnswerMatrix matrix, double[] own, double[] alpha, double[] logBeta,
        double[] beta)
    {
        var moved = 0.0;
        for (var t = 0; t < matrix.TaskCount; t++)
        {
            if (matrix.AnswersOf(t) == 0)
            {
                continue;
            }
            var lb = logBeta[t];
            var current = -(lb - LogBetaPriorMean) * (lb - LogBetaPriorMean) / (2 * LogBetaPriorVariance);
            var gradient = -(lb - LogBetaPriorMean) / LogBetaPriorVariance;
            var information = 1 / LogBetaPriorVariance;
            for (var i = matrix.TaskStart[t]; i < matrix.TaskStart[t + 1]; i++)
            {
                // x = α e^{log β}, so dx/d(log β) = x.
                var x = alpha[matrix.Worker[i]] * beta[t];
                var s = Sigmoid(x);
                current += AnswerObjective(x, own[i], s);
                gradient += (own[i] - s) * x;
                information += s * (1 - s) * x * x;
            }
            var step = Math.Clamp(gradient / information, -MaxStep, MaxStep);
            for (var h = 0; h < MaxHalvings && step != 0; h++, step /= 2)
            {
                if (DifficultyObjective(matrix, own, alpha, t, lb + step) >= current)
                {
                    logBeta[t] = lb + step;
                    beta[t] = Math.Exp(lb + step);
                    moved = Math.Max(moved, Math.Abs(step));
                    break;
                }
            }
        }
        return moved;
    }

    /// <summary>The part of the expected log-likelihood and prior that depends on one contributor's ability.</summary>
    private static double AbilityObjective(AnswerMatrix matrix, double[] own, double[] beta, int w, double a)
    {
        var q = -(a - AlphaPriorMean) * (a - AlphaPriorMean) / (2 * AlphaPriorVariance);
        for (var j = matrix.WorkerStart[w]; j < matrix.WorkerStart[w + 1]; j++)
        {
            var i = matrix.ByWorker[j];
            var x = a * beta[matrix.Task[i]];
            q += AnswerObjective(x, own[i], Sigmoid(x));
        }
        return q;
    }

    /// <summary>The part of the expected log-likelihood and prior that depends on one task's difficulty.</summary>
    private static double DifficultyObjective(AnswerMatrix matrix, double[] own, double[] alpha, int t, double lb)
    {
        var q = -(lb - LogBetaPriorMean) * (lb - LogBetaPriorMean) / (2 * LogBetaPriorVariance);
        var b = Math.Exp(lb);
        for (var i = matrix.TaskStart[t]; i < matrix.TaskStart[t + 1]; i++)
        {
            var x = alpha[matrix.Worker[i]] * b;
            q += AnswerObjective(x, own[i], Sigmoid(x));
        }
        return q;
    }

    /// <summary>
    /// p log σ(x) + (1 − p) log(1 − σ(x)) for an answer whose own label has posterior p, dropping the constant
    /// −(1 − p) log(K − 1). Equal to log σ(x) − (1 − p) x; log σ(x) is taken from s = σ(x) where that is accurate
    /// (x ≥ 0) and as x + log(1 − s) below, where σ(x) underflows first.
    /// </summary>
    private static double AnswerObjective(double x, double p, double s) =>
        (x >= 0 ? Math.Log(s) : x + Math.Log(1 - s)) - (1 - p) * x;

    /// <summary>σ(α_w β̄), with β̄ the geometric mean inverse difficulty of the answered tasks.</summary>
    private static double[] Quality(AnswerMatrix matrix, double[] alpha, double[] logBeta)
    {
        double sum = 0;
        var answered = 0;
        for (var t = 0; t < matrix.TaskCount; t++)
        {
            if (matrix.AnswersOf(t) > 0)
            {
                sum += logBeta[t];
                answered++;
            }
        }
        var averageBeta = Math.Exp(answered == 0 ? LogBetaPriorMean : sum / answered);
        var quality = new double[matrix.WorkerCount];
        for (var w = 0; w < quality.Length; w++)
        {
            quality[w] = Sigmoid(alpha[w] * averageBeta);
        }
        return quality;
    }

    private static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
}

/// <summary>
/// GLAD's own posterior steps: input checks, each answer's posterior of its own label, a softmax that reports how
/// far it moved, and an argmax whose ties go to the first label given (the shared steps are in Posteriors).
/// </summary>
internal static class GladPosteriors
{
    /// <summary>Checks the inputs of a categorical method and returns the number of labels (at least 1).</summary>
    internal static int Validate(AnswerMatrix matrix, AggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(options);
        if (matrix.IsNumeric)
        {
            throw new ArgumentException("This method takes categorical answers.", nameof(matrix));
        }
        var k = Math.Max(matrix.LabelCount, 1);
        if (options.Known is { } known)
        {
            if (known.Length != matrix.TaskCount)
            {
                throw new ArgumentException("Known must have one entry per task.", nameof(options));
            }
            if (known.Any(l => l >= k))
            {
                throw new ArgumentException("A known answer is not a label of the matrix.", nameof(options));
            }
        }
        return k;
    }

    /// <summary>True when the task's answer is known.</summary>
    internal static bool IsKnown(int[]? known, int task) => known is not null && known[task] >= 0;

    /// <summary>Each answer's posterior probability that its label is the task's true label.</summary>
    internal static void OfOwnLabel(AnswerMatrix matrix, double[] posterior, int k, double[] own)
    {
        for (var i = 0; i < matrix.AnswerCount; i++)
        {
            own[i] = posterior[matrix.Task[i] * k + matrix.Label[i]];
        }
    }

    /// <summary>
    /// Writes softmax(logits) into posterior[offset..offset+K) and returns the largest change of a probability.
    /// </summary>
    internal static double Normalize(double[] logits, double[] posterior, int offset)
    {
        var max = double.NegativeInfinity;
        foreach (var x in logits)
        {
            max = Math.Max(max, x);
        }
        var sum = 0.0;
        for (var l = 0; l < logits.Length; l++)
        {
            logits[l] = Math.Exp(logits[l] - max);
            sum += logits[l];
        }
        var moved = 0.0;
        for (var l = 0; l < logits.Length; l++)
        {
            var p = logits[l] / sum;
            moved = Math.Max(moved, Math.Abs(p - posterior[offset + l]));
            posterior[offset + l] = p;
        }
        return moved;
    }

    /// <summary>
    /// Each task's most probable label and its posterior; ties go to the label that arrived first, as in majority
    /// vote. A task with no answers gets -1 and 0 unless its answer is known.
    /// </summary>
    internal static (int[] Answer, double[] Confidence) Decide(AnswerMatrix matrix, double[] posterior, int k,
        int[]? known)
    {
        var answer = new int[matrix.TaskCount];
        var confidence = new double[matrix.TaskCount];
        for (var t = 0; t < matrix.TaskCount; t++)
        {
            if (IsKnown(known, t))
            {
                (answer[t], confidence[t]) = (known![t], 1);
                continue;
            }
            var best = -1;
            var top = double.NegativeInfinity;
            for (var i = matrix.TaskStart[t]; i < matrix.TaskStart[t + 1]; i++)
            {
                if (posterior[t * k + matrix.Label[i]] > top)
                {
                    (best, top) = (matrix.Label[i], posterior[t * k + matrix.Label[i]]);
                }
            }
            // A label nobody gave can still win when contributors are adversarial, but only strictly.
            for (var l = 0; best >= 0 && l < k; l++)
            {
                if (posterior[t * k + l] > top)
                {
                    (best, top) = (l, posterior[t * k + l]);
                }
            }
            (answer[t], confidence[t]) = best < 0 ? (-1, 0) : (best, top);
        }
        return (answer, confidence);
    }
}

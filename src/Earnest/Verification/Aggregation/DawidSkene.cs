namespace Earnest.Verification.Aggregation;

/// <summary>
/// Dawid–Skene (1979): each contributor has a full confusion matrix (probability of answering l when the truth is
/// k), the labels a prior; EM from soft majority-vote posteriors until no posterior moves by more than the
/// tolerance. Confusion rows and the prior get Dirichlet smoothing of <see cref="Smoothing"/> per cell, so a
/// contributor seen once does not get a probability of exactly 0 or 1 (which would let one answer overrule a task).
/// Work per iteration is linear in answers. A prior favouring the diagonal (see <see cref="Aggregators.Default"/>)
/// regularises sparse contributors towards "usually right".
/// </summary>
/// <param name="diagonalPrior">Pseudo-count on each confusion row's right label.</param>
/// <param name="offDiagonalPrior">Pseudo-count on each wrong label.</param>
/// <param name="name">The method's name.</param>
/// <param name="pooledPrior">
/// Answers' worth of the crowd's average confusion row added to every contributor's row (a hierarchical prior): a
/// contributor with few answers is treated as an average contributor, not as a perfect one. 0 turns it off.
/// </param>
/// <param name="goldWeight">
/// How many times an answer to a task of known answer (gold) counts in its contributor's confusion counts: gold is
/// certain evidence of a contributor's quality, where other tasks' posteriors are only estimates. 1 counts it once.
/// </param>
public sealed class DawidSkene(double diagonalPrior = DawidSkene.Smoothing, double offDiagonalPrior = DawidSkene.Smoothing,
    string name = "ds", double pooledPrior = 0, double goldWeight = 1) : IAggregator
{
    /// <summary>Pseudo-count added to every confusion cell.</summary>
    public const double Smoothing = 0.01;

    /// <summary>
    /// Pseudo-count of each label in the class prior (Laplace): with few tasks, an unsmoothed prior estimated from
    /// the posteriors collapses onto the commonest label and then outvotes single answers.
    /// </summary>
    public const double ClassPrior = 1;

    /// <inheritdoc />
    public string Name => name;

    /// <inheritdoc />
    public string Version => name + "/1";

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
        var model = Fit(matrix, options, diagonalPrior, offDiagonalPrior, out var post, out var iterations, pooledPrior,
            goldWeight);
        return Posteriors.Result(matrix, post, options.Known, model.Accuracy(), iterations);
    }

    /// <summary>
    /// Fits the model once, for incremental re-decisions: <see cref="DawidSkeneFit.Infer"/> then decides one task from
    /// its current answers in O(answers × labels), without refitting the campaign.
    /// </summary>
    public DawidSkeneFit FitModel(AnswerMatrix matrix, AggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(options);
        var model = Fit(matrix, options, diagonalPrior, offDiagonalPrior, out _, out var iterations, pooledPrior,
            goldWeight);
        return new DawidSkeneFit(model, iterations);
    }

    /// <summary>Runs EM; returns the fitted model and the final posteriors.</summary>
    internal static DawidSkeneModel Fit(AnswerMatrix m, AggregationOptions options, double diagonal,
        double offDiagonal, out double[] post, out int iterations, double pooled = 0, double goldWeight = 1)
    {
        var model = new DawidSkeneModel(m.WorkerCount, m.LabelCount, diagonal, offDiagonal, pooled);
        var known = goldWeight == 1 ? null : options.Known;
        (post, iterations) = Posteriors.Em(m, options, p => model.MaximizeFrom(m, p, known, goldWeight),
            p => model.Expect(m, p, null));
        return model;
    }
}

/// <summary>A fitted Dawid–Skene model that decides single tasks from their answers.</summary>
public sealed class DawidSkeneFit
{
    private readonly DawidSkeneModel _model;

    internal DawidSkeneFit(DawidSkeneModel model, int iterations)
    {
        _model = model;
        Iterations = iterations;
    }

    /// <summary>EM iterations the fit took.</summary>
    public int Iterations { get; }

    /// <summary>
    /// The most probable label of a task and its posterior, from its answers (contributor index, label index).
    /// A contributor the fit has not seen (index out of range) does not move the posterior.
    /// </summary>
    public (int Label, double Confidence) Infer(ReadOnlySpan<int> workers, ReadOnlySpan<int> labels) =>
        _model.Infer(workers, labels);
}

/// <summary>Fitted Dawid–Skene parameters: a prior over labels and a confusion matrix per contributor.</summary>
internal sealed class DawidSkeneModel(int workers, int labels, double diagonal, double offDiagonal, double pooled = 0)
{
    private readonly double[] _confusion = new double[workers * labels * labels];
    private readonly double[] _logConfusion = new double[workers * labels * labels];
    private readonly double[] _prior = new double[labels];
    private readonly double[] _logPrior = new double[labels];

    public int Labels { get; } = labels;

    /// <summary>
    /// M-step: expected counts under the posteriors, smoothed and normalised. With a pooled prior, each row also gets
    /// that many answers' worth of the crowd's average row (expected counts of all answers, normalised per row).
    /// </summary>
    public void MaximizeFrom(AnswerMatrix m, double[] post, int[]? known = null, double goldWeight = 1)
    {
        var k = Labels;
        for (var c = 0; c < _confusion.Length; c++)
        {
            _confusion[c] = (c / k) % k == c % k ? diagonal : offDiagonal;
        }
        if (pooled > 0)
        {
            AddPooled(m, post);
        }
        Array.Fill(_prior, DawidSkene.ClassPrior);
        for (var t = 0; t < m.TaskCount; t++)
        {
            if (m.AnswersOf(t) == 0)
            {
                continue;
            }
            for (var j = 0; j < k; j++)
            {
                _prior[j] += post[t * k + j];
            }
        }
        for (var i = 0; i < m.AnswerCount; i++)
        {
            var row = m.Task[i] * k;
            var cell = m.Worker[i] * k * k + m.Label[i];
            var weight = known is not null && known[m.Task[i]] >= 0 ? goldWeight : 1;
            for (var j = 0; j < k; j++)
            {
                _confusion[cell + j * k] += weight * post[row + j];
            }
        }
        for (var w = 0; w < m.WorkerCount; w++)
        {
            for (var j = 0; j < k; j++)
            {
                var start = (w * k + j) * k;
                var sum = 0.0;
                for (var l = 0; l < k; l++)
                {
                    sum += _confusion[start + l];
                }
                for (var l = 0; l < k; l++)
                {
                    _confusion[start + l] /= sum;
                    _logConfusion[start + l] = Math.Log(_confusion[start + l]);
                }
            }
        }
        var total = _prior.Sum();
        for (var j = 0; j < k; j++)
        {
            _prior[j] /= total;
            _logPrior[j] = Math.Log(_prior[j]);
        }
    }

    private void AddPooled(AnswerMatrix m, double[] post)
    {
        var k = Labels;
        var crowd = new double[k * k];
        for (var i = 0; i < m.AnswerCount; i++)
        {
            var row = m.Task[i] * k;
            for (var j = 0; j < k; j++)
            {
                crowd[j * k + m.Label[i]] += post[row + j];
            }
        }
        for (var j = 0; j < k; j++)
        {
            var sum = 0.0;
            for (var l = 0; l < k; l++)
            {
                sum += crowd[j * k + l];
            }
            for (var l = 0; l < k; l++)
            {
                // A label no task seems to have: an uninformative row rather than a division by zero.
                crowd[j * k + l] = sum > 0 ? pooled * crowd[j * k + l] / sum : pooled / k;
            }
        }
        for (var c = 0; c < _confusion.Length; c++)
        {
            _confusion[c] += crowd[c % (k * k)];
        }
    }

    /// <summary>E-step: posteriors of every task given the parameters (known tasks clamped).</summary>
    public void Expect(AnswerMatrix m, double[] post, int[]? known)
    {
        var k = Labels;
        for (var t = 0; t < m.TaskCount; t++)
        {
            var row = post.AsSpan(t * k, k);
            _logPrior.CopyTo(row);
            for (var i = m.TaskStart[t]; i < m.TaskStart[t + 1]; i++)
            {
                var cell = m.Worker[i] * k * k + m.Label[i];
                for (var j = 0; j < k; j++)
                {
                    row[j] += _logConfusion[cell + j * k];
                }
            }
            Posteriors.NormalizeLog(row);
        }
        Posteriors.Clamp(post, k, known);
    }

    /// <summary>The posterior argmax of one task from its answers; unseen contributors use a flat row.</summary>
    public (int Label, double Confidence) Infer(ReadOnlySpan<int> workers, ReadOnlySpan<int> labels)
    {
        var k = Labels;
        Span<double> row = stackalloc double[k];
        _logPrior.CopyTo(row);
        var known = _confusion.Length / (k * k);
        for (var i = 0; i < workers.Length; i++)
        {
            if (workers[i] < 0 || workers[i] >= known)
            {
                continue; // no evidence about an unseen contributor's confusion: its answer does not move the posterior
            }
            var cell = workers[i] * k * k + labels[i];
            for (var j = 0; j < k; j++)
            {
                row[j] += _logConfusion[cell + j * k];
            }
        }
        Posteriors.NormalizeLog(row);
        var best = 0;
        for (var j = 1; j < k; j++)
        {
            if (row[j] > row[best])
            {
                best = j;
            }
        }
        return (best, row[best]);
    }

    /// <summary>Each contributor's expected accuracy: Σ prior(k) × P(answer k | truth k).</summary>
    public double[] Accuracy()
    {
        var k = Labels;
        var accuracy = new double[_confusion.Length / (k * k)];
        for (var w = 0; w < accuracy.Length; w++)
        {
            for (var j = 0; j < k; j++)
            {
                accuracy[w] += _prior[j] * _confusion[(w * k + j) * k + j];
            }
        }
        return accuracy;
    }
}

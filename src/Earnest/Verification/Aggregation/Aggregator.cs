namespace Earnest.Verification.Aggregation;

/// <summary>
/// What an aggregator infers: per task an answer (a label index, or -1 when the task has no answers) and a
/// confidence in [0, 1]; for numeric answers a value per task; per contributor a quality in [0, 1] (for
/// categorical methods, the estimated probability of answering correctly).
/// </summary>
/// <param name="Answer">Label index per task; -1 when unknown.</param>
/// <param name="Confidence">Probability the answer is right, per task (0 when unknown).</param>
/// <param name="Value">Inferred value per task, for numeric answers; null otherwise (NaN for a task with none).</param>
/// <param name="WorkerQuality">Quality per contributor.</param>
/// <param name="Iterations">Iterations run by an iterative method (1 for closed forms).</param>
public sealed record AggregationResult(int[] Answer, double[] Confidence, double[]? Value, double[] WorkerQuality,
    int Iterations);

/// <summary>Settings shared by aggregators. Every method is deterministic for the same matrix and settings.</summary>
public sealed record AggregationOptions
{
    /// <summary>Upper bound on iterations of an iterative method.</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>
    /// Stop when no task posterior (or estimate) moves by more than this between iterations: a posterior settled to
    /// 1e-4 no longer changes any answer in practice, and 1e-6 took 100+ iterations on a million answers.
    /// </summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>
    /// Known answers (label index per task, -1 where unknown), e.g. a campaign's gold tasks. Methods that can use
    /// them clamp those tasks to the known answer, which anchors contributor quality.
    /// </summary>
    public int[]? Known { get; init; }

    /// <summary>Seed for methods with a random start; the default keeps results reproducible.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>A truth-inference method over an <see cref="AnswerMatrix"/>.</summary>
public interface IAggregator
{
    /// <summary>Short name used on the command line and in campaign policies (e.g. "ds").</summary>
    string Name { get; }

    /// <summary>Name and version recorded with every decision made from this method's output.</summary>
    string Version { get; }

    /// <summary>True for methods of numeric answers.</summary>
    bool IsNumeric { get; }

    /// <summary>Infers the tasks' answers and the contributors' quality. Pure: same input, same output, bit for bit.</summary>
    AggregationResult Aggregate(AnswerMatrix matrix, AggregationOptions options);
}

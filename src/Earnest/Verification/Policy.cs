namespace Earnest.Verification;

/// <summary>
/// Dynamic overlap: a task collects answers until the aggregator is confident enough in its answer, with a minimum
/// and a maximum number of answers.
/// </summary>
/// <param name="Min">Answers every task gets before confidence is looked at.</param>
/// <param name="Max">The most answers a task gets; at this count it is decided whatever the confidence.</param>
/// <param name="Confidence">The aggregator's confidence at which a task stops collecting answers.</param>
public sealed record DynamicOverlap(int Min, int Max, double Confidence);

/// <summary>
/// A campaign's verification policy, as data. Gold tasks are decided by their known answer; other tasks by the
/// aggregator once enough answers are in (a fixed overlap, or dynamic overlap); contributors may first have to
/// qualify on gold, and stop receiving work below a minimum quality.
/// </summary>
/// <param name="Overlap">Answers per (non-gold) task under fixed overlap.</param>
/// <param name="MaxOverlap">With majority vote, the most answers a tied task may collect waiting for the tie to break.</param>
/// <param name="Aggregator">The aggregator's name (see Aggregators); "mv" is majority vote with tie handling.</param>
/// <param name="Dynamic">Dynamic overlap, replacing the fixed overlap when set.</param>
/// <param name="GoldShare">Share of each contributor's tasks that are gold; null means the campaign's share of gold tasks.</param>
/// <param name="Qualification">The first this-many tasks a new contributor gets in the campaign are gold.</param>
/// <param name="MinQuality">A contributor whose quality on gold falls below this gets no more of the campaign's work.</param>
public sealed record VerificationPolicy(int Overlap, int MaxOverlap, string Aggregator = "mv",
    DynamicOverlap? Dynamic = null, double? GoldShare = null, int Qualification = 0, double? MinQuality = null)
{
    /// <summary>The policy of a campaign created with only an overlap: majority vote; ties may draw up to overlap×2+1 answers.</summary>
    public static VerificationPolicy ForOverlap(int overlap) => new(overlap, overlap * 2 + 1);

    /// <summary>Answers a task asks for before its first decision attempt.</summary>
    public int InitialRequired => Dynamic?.Min ?? Overlap;

    /// <summary>True when tasks are decided by classic majority vote (with tie handling) rather than a model.</summary>
    public bool IsClassicMajority => Aggregator == "mv" && Dynamic is null;
}

/// <summary>A contributor's record on a campaign's gold tasks.</summary>
/// <param name="Answered">Gold tasks answered.</param>
/// <param name="Correct">Of those, answered correctly.</param>
public sealed record GoldRecord(int Answered, int Correct)
{
    /// <summary>
    /// Prior of the quality estimate: worth <see cref="PriorWeight"/> answers at <see cref="PriorMean"/>, so one lucky
    /// answer is not "100%" and one slip does not exclude anyone (0 of 1 gives 0.67, 0 of 2 gives 0.57).
    /// </summary>
    public const double PriorMean = 0.8, PriorWeight = 5;

    /// <summary>The posterior mean of the contributor's accuracy under a Beta prior.</summary>
    public double Quality => (Correct + PriorMean * PriorWeight) / (Answered + PriorWeight);
}

/// <summary>Pure rules of who gets which kind of task.</summary>
public static class Qualification
{
    /// <summary>What the next lease of a contributor must be.</summary>
    public enum Next
    {
        /// <summary>Any task (gold at the gold share).</summary>
        Any,
        /// <summary>A gold task: the contributor is still qualifying.</summary>
        Gold,
        /// <summary>Nothing: the contributor's quality is below the campaign's minimum.</summary>
        None,
    }

    /// <summary>
    /// Decides whether the contributor must first answer gold (still qualifying), gets nothing (qualification
    /// leased but not all answered yet, or quality below the minimum), or may have any task.
    /// </summary>
    /// <param name="policy">The campaign's policy.</param>
    /// <param name="record">The contributor's answered gold.</param>
    /// <param name="goldLeased">Gold tasks ever leased to the contributor in this campaign.</param>
    /// <param name="goldTasks">Gold tasks in the campaign.</param>
    public static Next Decide(VerificationPolicy policy, GoldRecord record, long goldLeased, long goldTasks)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(record);
        var needed = Math.Min(policy.Qualification, goldTasks);
        if (goldLeased < needed)
        {
            return Next.Gold;
        }
        if (record.Answered < needed)
        {
            return Next.None;
        }
        if (policy.MinQuality is { } min && record.Answered > 0 && record.Quality < min)
        {
            return Next.None;
        }
        return Next.Any;
    }
}

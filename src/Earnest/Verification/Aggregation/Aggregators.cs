namespace Earnest.Verification.Aggregation;

/// <summary>Every aggregator, by the name campaign policies and the command line use.</summary>
public static class Aggregators
{
    /// <summary>
    /// Earnest's default: Dawid–Skene with a Dirichlet prior on each confusion row worth
    /// <see cref="RegularizedDiagonal"/> pseudo-answers on the right label (and the usual 0.01 elsewhere). Chosen by
    /// the experiment in docs/verification.md: best mean accuracy over all 18 categorical datasets with 10 % gold.
    /// </summary>
    public const string Default = "hds";

    /// <summary>Pseudo-answers on the diagonal of the default's confusion prior.</summary>
    public const double RegularizedDiagonal = 4;

    /// <summary>All methods, categorical then numeric.</summary>
    public static IReadOnlyList<IAggregator> All { get; } =
    [
        new MajorityVote(),
        new Wawa(),
        new DawidSkene(),
        new OneCoinDawidSkene(),
        new DawidSkene(RegularizedDiagonal, DawidSkene.Smoothing, "rds"),
        new DawidSkene(8, DawidSkene.Smoothing, "hds", pooledPrior: 3, goldWeight: 5),
        new Glad(),
        new Mace(),
        new MeanValue(),
        new MedianValue(),
        new ReliabilityWeightedMean(),
    ];

    /// <summary>
    /// A dynamic-overlap stopping model: a method name, or <c>pooled:S</c> for the default's Dawid–Skene with S answers'
    /// worth of the crowd's average confusion row added to every contributor's row (so a contributor with few answers
    /// counts as an average one, not a perfect one, and early confidence is not inflated). Null when unknown.
    /// </summary>
    public static IAggregator? FindStoppingModel(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        const string pooled = "pooled:";
        if (!spec.StartsWith(pooled, StringComparison.OrdinalIgnoreCase))
        {
            return Find(spec);
        }
        return double.TryParse(spec[pooled.Length..], System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0 && double.IsFinite(s)
            ? new DawidSkene(RegularizedDiagonal, DawidSkene.Smoothing, spec.ToLowerInvariant(), s)
            : null;
    }

    /// <summary>The method of a name, or null.</summary>
    public static IAggregator? Find(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
}

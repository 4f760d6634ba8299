namespace Earnest.Verification.Aggregation;

/// <summary>Every aggregator, by the name campaign policies and the command line use.</summary>
public static class Aggregators
{
    /// <summary>All methods, categorical then numeric.</summary>
    public static IReadOnlyList<IAggregator> All { get; } =
    [
        new MajorityVote(),
        new DawidSkene(),
    ];

    /// <summary>The method of a name, or null.</summary>
    public static IAggregator? Find(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
}

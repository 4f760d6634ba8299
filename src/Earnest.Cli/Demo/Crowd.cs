using System.Globalization;

namespace Earnest.Cli.Demo;

/// <summary>How a simulated contributor works.</summary>
public enum ContributorKind
{
    /// <summary>Reads each item and answers right 95% of the time.</summary>
    Careful,
    /// <summary>Skims: right 70% of the time.</summary>
    Careless,
    /// <summary>Answers a label at random without reading.</summary>
    Spammer,
}

/// <summary>The behaviour of each <see cref="ContributorKind"/>.</summary>
public static class ContributorKinds
{
    /// <summary>The kinds in report order.</summary>
    public static readonly IReadOnlyList<ContributorKind> All =
        [ContributorKind.Careful, ContributorKind.Careless, ContributorKind.Spammer];

    /// <summary>
    /// The chance an answer is the true label; null for a spammer, who picks uniformly among all labels (so is right
    /// one time in as many labels as there are).
    /// </summary>
    public static double? Accuracy(ContributorKind kind) => kind switch
    {
        ContributorKind.Careful => 0.95,
        ContributorKind.Careless => 0.70,
        _ => null,
    };

    /// <summary>A short description for the report: the name and how the kind answers.</summary>
    public static string Describe(ContributorKind kind) => Accuracy(kind) is { } p
        ? $"{Name(kind)} ({(p * 100).ToString("N0", CultureInfo.InvariantCulture)}%)"
        : $"{Name(kind)} (random)";

    /// <summary>The kind's lower-case name.</summary>
    public static string Name(ContributorKind kind) => kind switch
    {
        ContributorKind.Careful => "careful",
        ContributorKind.Careless => "careless",
        _ => "spammer",
    };

    /// <summary>
    /// How many contributors of each kind a crowd of <paramref name="contributors"/> holds: 15% spammers, 25%
    /// careless, the rest careful (so a crowd of one is one careful contributor).
    /// </summary>
    public static IReadOnlyDictionary<ContributorKind, int> Mix(int contributors)
    {
        var spammers = contributors * 15 / 100;
        var careless = contributors * 25 / 100;
        return new Dictionary<ContributorKind, int>
        {
            [ContributorKind.Careful] = contributors - spammers - careless,
            [ContributorKind.Careless] = careless,
            [ContributorKind.Spammer] = spammers,
        };
    }
}

/// <summary>One item of the synthetic data set: the requester's task id, its true label and whether it is gold.</summary>
public sealed record SyntheticItem(int Index, string TaskId, string Truth, bool Gold);

/// <summary>A simulated contributor: its kind, the seed of its wallet key and the seed of its answers.</summary>
public sealed record ContributorProfile(int Index, ContributorKind Kind, byte[] KeySeed, int AnswerSeed)
{
    /// <summary>
    /// The answer this contributor gives to an item. It depends only on the contributor's seed and the item, not on
    /// the order in which the server hands out work, so a seed reproduces every answer whatever the scheduling.
    /// </summary>
    public string Answer(SyntheticItem item, IReadOnlyList<string> labels)
    {
        var random = new Random(Mix(AnswerSeed, item.Index));
        var accuracy = ContributorKinds.Accuracy(Kind);
        if (accuracy is null)
        {
            return labels[random.Next(labels.Count)];
        }
        if (random.NextDouble() < accuracy.Value)
        {
            return item.Truth;
        }
        var wrong = labels.Where(l => !string.Equals(l, item.Truth, StringComparison.Ordinal)).ToList();
        return wrong[random.Next(wrong.Count)];
    }

    /// <summary>SplitMix64 of the pair: a well-spread seed per (contributor, item) that is stable across processes.</summary>
    private static int Mix(int seed, int item)
    {
        var z = ((ulong)(uint)seed << 32 | (uint)item) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }
}

/// <summary>
/// Everything a seed decides before the market opens: the items and their truth, which are gold, the requester's key
/// and every contributor's kind, key and answers.
/// </summary>
public sealed record SyntheticWorld(IReadOnlyList<SyntheticItem> Items, byte[] RequesterKeySeed,
    IReadOnlyList<ContributorProfile> Contributors)
{
    /// <summary>The share of items that carry a gold answer: one in ten.</summary>
    public const int GoldEvery = 10;

    /// <summary>Draws a world from <see cref="DemoSettings.Seed"/>.</summary>
    public static SyntheticWorld Create(DemoSettings settings)
    {
        var random = new Random(settings.Seed);
        var labels = DemoSettings.Labels;
        var gold = new bool[settings.Tasks];
        var order = Enumerable.Range(0, settings.Tasks).ToArray();
        random.Shuffle(order);
        foreach (var index in order.Take(settings.Tasks / GoldEvery))
        {
            gold[index] = true;
        }
        var items = Enumerable.Range(0, settings.Tasks)
            .Select(i => new SyntheticItem(i, TaskId(i), labels[random.Next(labels.Count)], gold[i]))
            .ToList();
        var requesterKeySeed = Bytes(random, 32);
        var kinds = ContributorKinds.Mix(settings.Contributors)
            .SelectMany(k => Enumerable.Repeat(k.Key, k.Value))
            .ToArray();
        // Shuffled so that every kind is spread over the whole crowd, not bunched at its start or end.
        random.Shuffle(kinds);
        var contributors = kinds
            .Select((kind, i) => new ContributorProfile(i, kind, Bytes(random, 32), random.Next()))
            .ToList();
        return new SyntheticWorld(items, requesterKeySeed, contributors);
    }

    /// <summary>The requester's id of item <paramref name="index"/>.</summary>
    public static string TaskId(int index) => "item-" + index.ToString("D5", CultureInfo.InvariantCulture);

    private static byte[] Bytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}

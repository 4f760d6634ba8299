using System.Globalization;

namespace Earnest.Cli.Demo;

/// <summary>What a demo run simulates. Every number has a limit, so a typo cannot ask for a day-long run.</summary>
public sealed record DemoSettings
{
    /// <summary>Most contributors a run may simulate.</summary>
    public const int MaxContributors = 10_000;

    /// <summary>Most tasks a run may create.</summary>
    public const int MaxTasks = 100_000;

    /// <summary>Most contributor steps in flight at once.</summary>
    public const int MaxConcurrency = 256;

    /// <summary>Answers wanted per task.</summary>
    public const int Overlap = 3;

    /// <summary>Reward per accepted submission: one whole EARN (6 decimals), so amounts read easily.</summary>
    public const long Reward = 1_000_000;

    /// <summary>Tasks sent per add-tasks request; far below the server's limit of 10,000 and its 16 MiB body limit.</summary>
    public const int TasksPerRequest = 1_000;

    /// <summary>The labels of the classification campaign.</summary>
    public static readonly IReadOnlyList<string> Labels = ["positive", "negative", "neutral"];

    /// <summary>Simulated contributors.</summary>
    public int Contributors { get; init; } = 300;

    /// <summary>Items to label; one in ten carries a gold answer.</summary>
    public int Tasks { get; init; } = 600;

    /// <summary>The seed of the whole simulated world: truth, gold, keys, kinds and answers.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// Contributor steps (sign-in, or lease + answer + submit) in flight at once. 24 keeps a 2-core machine busy
    /// without queueing hundreds of requests behind the single SQLite writer.
    /// </summary>
    public int Concurrency { get; init; } = 24;

    /// <summary>The node's data folder; null for a fresh temporary folder that is deleted afterwards.</summary>
    public string? DataFolder { get; init; }

    /// <summary>The budget: twice what fixed overlap needs, so ties that draw extra answers and gold never run dry.</summary>
    public long Budget => checked(Reward * Tasks * Overlap * 2);

    /// <summary>The submissions a run expects (tasks × overlap); ties and gold make the real count a little different.</summary>
    public int ExpectedSubmissions => Tasks * Overlap;

    /// <summary>Says what is out of range, or null when the settings can run.</summary>
    public string? Problem()
    {
        if (Contributors is < 1 or > MaxContributors)
        {
            return $"--contributors is 1 to {MaxContributors.ToString("N0", CultureInfo.InvariantCulture)}.";
        }
        if (Tasks is < 1 or > MaxTasks)
        {
            return $"--tasks is 1 to {MaxTasks.ToString("N0", CultureInfo.InvariantCulture)}.";
        }
        if (Concurrency is < 1 or > MaxConcurrency)
        {
            return $"--concurrency is 1 to {MaxConcurrency}.";
        }
        return null;
    }
}

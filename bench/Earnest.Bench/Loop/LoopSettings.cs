using System.Globalization;

namespace Earnest.Bench.Loop;

/// <summary>Where the HTTP rows run their server.</summary>
public enum HttpServerPlacement
{
    /// <summary>A child process (this program's <c>serve</c> command): server and clients do not share a heap.</summary>
    Child,
    /// <summary>Kestrel inside the benchmark process.</summary>
    InProcess,
}

/// <summary>Options of <c>loop</c>.</summary>
public sealed record LoopSettings(int Contributors, int Tasks, double Seconds, int Overlap, HttpServerPlacement Http,
    int Seed)
{
    /// <summary>Share of tasks that carry a gold answer.</summary>
    public const double GoldShare = 0.10;

    /// <summary>Chance that a simulated contributor answers a task correctly.</summary>
    public const double Accuracy = 0.90;

    /// <summary>Labels of the benchmark campaign.</summary>
    public static readonly IReadOnlyList<string> Labels = ["cat", "dog", "bird"];

    /// <summary>Reward per accepted submission, in base units (0.001 EARN).</summary>
    public const long Reward = 1_000;

    /// <summary>Budget of a campaign: the faucet's cap of one call, 1,000 EARN, enough for a million payouts.</summary>
    public const long Budget = 1_000_000_000;

    /// <summary>Upper bounds that keep a mistyped option from running for hours.</summary>
    public const int MaxContributors = 1_000, MaxTasks = 100_000;

    /// <summary>Parses <c>loop</c>'s options.</summary>
    public static LoopSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new LoopSettings(16, 5_000, 10, 3, HttpServerPlacement.Child, 1);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            var value = i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value.");
            settings = name switch
            {
                "--contributors" => settings with { Contributors = Int(name, value, 1, MaxContributors) },
                "--tasks" => settings with { Tasks = Int(name, value, 10, MaxTasks) },
                "--seconds" => settings with { Seconds = Int(name, value, 1, 600) },
                "--overlap" => settings with { Overlap = Int(name, value, 1, 10) },
                "--seed" => settings with { Seed = Int(name, value, 0, int.MaxValue) },
                "--http" => settings with
                {
                    Http = value switch
                    {
                        "child" => HttpServerPlacement.Child,
                        "inproc" => HttpServerPlacement.InProcess,
                        _ => throw new UsageException("--http is child or inproc."),
                    },
                },
                _ => throw new UsageException($"unknown option {name}"),
            };
        }
        return settings;
    }

    private static int Int(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new UsageException($"{name} is a whole number from {min} to {max}.");
}

namespace Earnest.Cli.Load;

/// <summary>The settings of a load run (see <c>earnest bench load --help</c>).</summary>
public sealed record LoadSettings
{
    /// <summary>Servers to drive; empty: start one embedded server (SQLite) in a child process.</summary>
    public IReadOnlyList<string> Urls { get; init; } = [];

    /// <summary>Simulated contributors, each with its own key and its own sign-in.</summary>
    public int Contributors { get; init; } = 1_000;

    /// <summary>Length of the measured window.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Running time before the measured window opens.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Mean think time between taking a task and answering it (exponentially distributed).</summary>
    public TimeSpan Think { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Chance a simulated answer is the true label.</summary>
    public double Accuracy { get; init; } = 0.9;

    /// <summary>Labels per task.</summary>
    public int Labels { get; init; } = 2;

    /// <summary>Share of each campaign's tasks that are gold.</summary>
    public double GoldShare { get; init; } = 0.1;

    /// <summary>Tasks per campaign the requester publishes.</summary>
    public int TasksPerCampaign { get; init; } = 20_000;

    /// <summary>Answers per task.</summary>
    public int Overlap { get; init; } = 3;

    /// <summary>Reward per accepted answer, in base units.</summary>
    public long Reward { get; init; } = 1_000;

    /// <summary>Seed of keys, items, answers and think times.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>HTTP connections per server.</summary>
    public int Connections { get; init; } = 256;

    /// <summary>Contributors that keep an event stream open, to time payments that come after the submission.</summary>
    public int SampledStreams { get; init; } = 100;

    /// <summary>Data folder of the embedded server (default: a new temporary folder, deleted afterwards).</summary>
    public string? Data { get; init; }

    /// <summary>Where the JSON result goes; the PNG chart goes next to it.</summary>
    public string Output { get; init; } = "load-result.json";

    /// <summary>A one-line reason the settings are unusable, or null.</summary>
    public string? Invalid()
    {
        foreach (var url in Urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                return $"--url must be an http(s) URL, not '{url}'.";
            }
        }
        return Contributors is < 1 or > 1_000_000 ? "--contributors is 1 to 1,000,000."
            : Duration <= TimeSpan.Zero ? "--seconds must be positive."
            : Warmup < TimeSpan.Zero ? "--warmup cannot be negative."
            : Think < TimeSpan.Zero ? "--think-ms cannot be negative."
            : Accuracy is < 0 or > 1 ? "--accuracy is 0 to 1."
            : Labels is < 2 or > 50 ? "--labels is 2 to 50."
            : GoldShare is < 0 or > 1 ? "--gold-share is 0 to 1."
            : TasksPerCampaign is < 10 or > 1_000_000 ? "--tasks is 10 to 1,000,000."
            : Overlap is < 1 or > 50 ? "--overlap is 1 to 50."
            : Reward < 1 ? "--reward must be at least 1."
            : Connections is < 1 or > 100_000 ? "--connections is 1 to 100,000."
            : SampledStreams < 0 ? "--streams cannot be negative."
            : null;
    }
}

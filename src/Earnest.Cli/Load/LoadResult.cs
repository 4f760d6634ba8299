namespace Earnest.Cli.Load;

/// <summary>What <c>earnest bench load</c> writes as JSON: the settings, the figures and the timeline.</summary>
public sealed record LoadResult(
    DateTimeOffset StartedAt,
    LoadSettingsView Settings,
    MachineView Machine,
    SignInView SignIn,
    MeasuredView Measured,
    IReadOnlyDictionary<string, LatencySummary> Endpoints,
    IReadOnlyDictionary<string, LatencySummary> TimeToPaid,
    IReadOnlyList<ServerMemoryView> Servers,
    IReadOnlyList<TimelineSecond> Timeline);

/// <summary>The settings of the run.</summary>
public sealed record LoadSettingsView(IReadOnlyList<string> Urls, bool Embedded, int Contributors, double Seconds,
    double WarmupSeconds, double ThinkMilliseconds, double Accuracy, int Labels, double GoldShare, int TasksPerCampaign,
    int Overlap, long Reward, int Seed, int Connections, int SampledStreams);

/// <summary>The machine the generator ran on.</summary>
public sealed record MachineView(int Cores, string Os, string Runtime);

/// <summary>The sign-in phase: every contributor signs in before the measured run.</summary>
public sealed record SignInView(int Contributors, double Seconds, double PerSecond, LatencySummary Latency);

/// <summary>Totals of the measured window.</summary>
public sealed record MeasuredView(double Seconds, long Submissions, double SubmissionsPerSecond, long Accepted,
    long Rejected, long Pending, long PaidAtSubmission, long PaidLater, double PaidPerSecond, long Errors,
    long NoWork, long Busy, int Campaigns);

/// <summary>A server's memory over the run; the trend is that of the measured window's second half.</summary>
public sealed record ServerMemoryView(string Url, long StartBytes, long MaxBytes, long EndBytes,
    double FirstHalfMeanBytes, double SecondHalfMeanBytes, MemoryTrend? SecondHalfTrend);

/// <summary>One second of the run.</summary>
public sealed record TimelineSecond(int Second, long Submissions, long Paid, long Errors, double? LeaseP50,
    double? SubmitP50, double? SubmitP99, long? WorkingSetBytes);

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Earnest.Client;
using Earnest.Market;

namespace Earnest.Bench.Loop;

/// <summary>One measured row: a market, a number of contributors, what they got done and how long each call took.</summary>
internal sealed record RowResult(string Mode, int Contributors, int Overlap, double Seconds, long Submissions, long Accepted,
    long Rejected, long Pending, long PaidAtOnce, LatencySummary Lease, LatencySummary Submit, double EngineCpuCores,
    double? ClientCpuCores, bool OutOfWork, int Errors, string? FirstError, bool LedgerAgrees)
{
    public double SubmissionsPerSecond => Submissions / Seconds;
    public double DecidedPerSecond => (Accepted + Rejected) / Seconds;
    public double PaidPerSecond => Accepted / Seconds;
}

/// <summary>
/// <c>loop</c>: contributors run the earn loop (lease a task, answer it, be verified and paid) against a published
/// campaign with overlap and gold, first calling the engine in-process, then over HTTP. Each row runs on a fresh data
/// folder: a short warm-up campaign (JIT, connection pools), then the measured campaign for a fixed time.
/// </summary>
internal static class LoopCommand
{
    /// <summary>Warm-up time of each row, before measuring.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    /// <summary>Tasks of the warm-up campaign.</summary>
    public const int WarmUpTasks = 300;

    public static async Task<int> RunAsync(LoopSettings settings)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var ct = cancel.Token;
        PrintEnvironment(settings);

        Console.WriteLine("Storage probe: one-row write transactions on a WAL database in the temp folder");
        Console.WriteLine();
        PrintProbe(StorageProbe.Run());

        var httpMode = settings.Http == HttpServerPlacement.Child ? "http (child process)" : "http (same process)";
        var counts = new[] { 1, settings.Contributors }.Distinct().ToArray();
        var rows = new List<RowResult>();
        foreach (var contributors in counts)
        {
            rows.Add(await RunRowAsync("in-process", contributors, settings,
                async () => await InProcessMarket.OpenAsync(), ct));
        }
        foreach (var contributors in counts)
        {
            rows.Add(await RunRowAsync(httpMode, contributors, settings,
                async () => await HttpMarket.OpenAsync(settings.Http, ct), ct));
        }
        Console.WriteLine();
        Console.WriteLine("Earn loop");
        Console.WriteLine();
        PrintRows(rows);
        var failed = rows.Where(r => r.Errors > 0 || !r.LedgerAgrees).ToList();
        foreach (var row in failed)
        {
            Console.Error.WriteLine($"{row.Mode} × {row.Contributors}: {row.Errors} errors, ledger " +
                                    $"{(row.LedgerAgrees ? "agrees" : "DISAGREES")}; first error: {row.FirstError}");
        }
        return failed.Count == 0 ? 0 : 1;
    }

    private static async Task<RowResult> RunRowAsync(string mode, int contributorCount, LoopSettings settings,
        Func<Task<IMarket>> open, CancellationToken ct)
    {
        Console.Error.WriteLine($"running {mode} with {contributorCount} contributor(s)…");
        await using var market = await open();
        var contributors = new List<IContributor>(contributorCount);
        for (var i = 0; i < contributorCount; i++)
        {
            contributors.Add(await market.JoinAsync(ct));
        }
        var warmUp = await market.PublishCampaignAsync("warm-up", MarketSetup.Tasks(WarmUpTasks, settings.Seed + 1),
            settings.Overlap, ct);
        await MeasureAsync(mode, market, contributors, warmUp, settings.Overlap, WarmUp, settings.Seed + 1, ct);
        var campaign = await market.PublishCampaignAsync("benchmark", MarketSetup.Tasks(settings.Tasks, settings.Seed),
            settings.Overlap, ct);
        return await MeasureAsync(mode, market, contributors, campaign, settings.Overlap, TimeSpan.FromSeconds(settings.Seconds),
            settings.Seed, ct);
    }

    private static async Task<RowResult> MeasureAsync(string mode, IMarket market, IReadOnlyList<IContributor> contributors,
        string campaignId, int overlap, TimeSpan duration, int seed, CancellationToken ct)
    {
        var engineCpu = new CpuClock(market.ServerProcess ?? Process.GetCurrentProcess());
        var clientCpu = market.ServerProcess is null ? null : new CpuClock(Process.GetCurrentProcess());
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var logs = await Task.WhenAll(contributors.Select((c, i) =>
            Task.Run(() => WorkAsync(c, campaignId, deadline, new Random(seed * 10_007 + i), ct), ct)));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var engineCores = engineCpu.CoresSince(elapsed);
        var clientCores = clientCpu?.CoresSince(elapsed);
        var view = await market.CampaignAsync(campaignId, ct);
        var errors = logs.Where(l => l.Error is not null).ToList();
        return new RowResult(mode, contributors.Count, overlap, elapsed.TotalSeconds, view.Submissions, view.Accepted,
            view.Rejected, view.Pending, logs.Sum(l => l.PaidAtOnce), LatencyLog.Summarize(logs.Select(l => l.Lease)),
            LatencyLog.Summarize(logs.Select(l => l.Submit)), engineCores, clientCores, logs.Any(l => l.OutOfWork),
            errors.Count, errors.FirstOrDefault()?.Error,
            view.Spent == view.Accepted * LoopSettings.Reward && view.Submissions == logs.Sum(l => l.Submissions));
    }

    /// <summary>One contributor's loop until the deadline or until the campaign has no task left for it.</summary>
    private static async Task<WorkLog> WorkAsync(IContributor contributor, string campaignId, long deadline,
        Random random, CancellationToken ct)
    {
        var log = new WorkLog();
        while (Stopwatch.GetTimestamp() < deadline && !ct.IsCancellationRequested)
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                var assignment = await contributor.LeaseAsync(campaignId, ct);
                log.Lease.Add(started);
                if (assignment is null)
                {
                    log.OutOfWork = true;
                    break;
                }
                var answer = Answer(assignment, random);
                started = Stopwatch.GetTimestamp();
                var outcome = await contributor.SubmitAsync(assignment.Id, answer, ct);
                log.Submit.Add(started);
                log.Submissions++;
                log.PaidAtOnce += outcome.Payment is null ? 0 : 1;
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException or InvalidOperationException)
            {
                log.Error = ex.Message;
                break;
            }
        }
        return log;
    }

    /// <summary>The true label most of the time, another label otherwise, as a careful but fallible person.</summary>
    private static string Answer(AssignmentView assignment, Random random)
    {
        var truth = assignment.Data.GetProperty("truth").GetString()!;
        if (random.NextDouble() < LoopSettings.Accuracy)
        {
            return truth;
        }
        var others = assignment.Labels.Where(l => l != truth).ToList();
        return others[random.Next(others.Count)];
    }

    private static void PrintEnvironment(LoopSettings settings)
    {
        Console.WriteLine($"Earnest earn-loop benchmark, {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC");
        Console.WriteLine($"  {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, " +
                          $"{Environment.ProcessorCount} logical CPUs, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}");
        Console.WriteLine($"  temp folder: {Path.GetTempPath()}");
        Console.WriteLine($"  campaign: {settings.Tasks} tasks ({LoopSettings.GoldShare:P0} gold), overlap {settings.Overlap}, " +
                          $"{LoopSettings.Labels.Count} labels, contributors right {LoopSettings.Accuracy:P0} of the time");
        Console.WriteLine($"  each row: {WarmUp.TotalSeconds:0} s warm-up, then {settings.Seconds:0} s measured; " +
                          $"contributors 1 and {settings.Contributors}");
        Console.WriteLine();
    }

    private static void PrintProbe(IReadOnlyList<ProbeResult> results)
    {
        Console.WriteLine("| synchronous | commits | commits/s | commit p50 ms | commit p99 ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Synchronous} | {r.Commits} | {r.CommitsPerSecond:0} | {r.Commit.P50Ms:0.000} | {r.Commit.P99Ms:0.000} |"));
        }
    }

    private static void PrintRows(IReadOnlyList<RowResult> rows)
    {
        Console.WriteLine("| mode | contributors | submissions | submissions/s | decided/s | paid/s | lease p50 ms | " +
                          "lease p99 ms | submit p50 ms | submit p99 ms | engine CPU (cores) | client CPU (cores) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Mode} | {r.Contributors} | {r.Submissions} | {r.SubmissionsPerSecond:0} | " +
                $"{Rate(r, r.DecidedPerSecond)} | {Rate(r, r.PaidPerSecond)} | {r.Lease.P50Ms:0.00} | {r.Lease.P99Ms:0.00} | {r.Submit.P50Ms:0.00} | " +
                $"{r.Submit.P99Ms:0.00} | {r.EngineCpuCores:0.00} | " +
                $"{(r.ClientCpuCores is { } c ? c.ToString("0.00", CultureInfo.InvariantCulture) : "(same process)")} |"));
        }
        Console.WriteLine();
        if (rows.Any(r => r.Contributors < r.Overlap))
        {
            Console.WriteLine("(gold) a lone contributor answers each task once, so no task reaches its overlap: only " +
                              "gold tasks are decided and paid; the row shows the calls' service time without queueing.");
            Console.WriteLine();
        }
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Mode} × {r.Contributors}: {r.Seconds:0.0} s, accepted {r.Accepted}, rejected {r.Rejected}, " +
                $"pending at the end {r.Pending}, paid in the submitter's own response {r.PaidAtOnce}, " +
                $"lease max {r.Lease.MaxMs:0.0} ms, submit max {r.Submit.MaxMs:0.0} ms" +
                $"{(r.OutOfWork ? ", ran out of work before the deadline" : "")}" +
                $"{(r.LedgerAgrees ? ", payouts = accepted × reward" : ", LEDGER DISAGREES")}"));
        }
    }

    private static string Rate(RowResult row, double perSecond) => string.Create(CultureInfo.InvariantCulture,
        $"{perSecond:0}{(row.Contributors < row.Overlap ? " (gold)" : "")}");

    /// <summary>What one contributor did.</summary>
    private sealed class WorkLog
    {
        public LatencyLog Lease { get; } = new();
        public LatencyLog Submit { get; } = new();
        public long Submissions { get; set; }
        public long PaidAtOnce { get; set; }
        public bool OutOfWork { get; set; }
        public string? Error { get; set; }
    }

    /// <summary>CPU time a process used since the clock was made, as cores busy over a wall-clock span.</summary>
    private sealed class CpuClock(Process process)
    {
        private readonly TimeSpan _start = Read(process);

        public double CoresSince(TimeSpan wall) => (Read(process) - _start).TotalSeconds / wall.TotalSeconds;

        private static TimeSpan Read(Process process)
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }
}

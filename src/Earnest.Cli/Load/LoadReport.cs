using System.Globalization;
using System.Text.Json;
using ScottPlot;

namespace Earnest.Cli.Load;

/// <summary>Writes a load result: JSON, a PNG chart next to it, and a summary for the terminal.</summary>
public static class LoadReport
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Writes the JSON file and the chart (same name, .png).</summary>
    public static void Write(LoadResult result, string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        File.WriteAllText(path, JsonSerializer.Serialize(result, Json));
        Chart(result, Path.ChangeExtension(path, ".png"));
    }

    /// <summary>Throughput (submissions and payments per second) and submission latency (p50, p99) over time.</summary>
    public static void Chart(LoadResult result, string path)
    {
        var plot = new Plot();
        var seconds = result.Timeline.Select(t => (double)t.Second).ToArray();
        var submissions = plot.Add.Scatter(seconds, result.Timeline.Select(t => (double)t.Submissions).ToArray());
        submissions.LegendText = "submissions/s";
        var paid = plot.Add.Scatter(seconds, result.Timeline.Select(t => (double)t.Paid).ToArray());
        paid.LegendText = "paid/s";
        var p50 = plot.Add.Scatter(seconds, result.Timeline.Select(t => t.SubmitP50 ?? double.NaN).ToArray());
        p50.LegendText = "submit p50 (ms)";
        p50.Axes.YAxis = plot.Axes.Right;
        var p99 = plot.Add.Scatter(seconds, result.Timeline.Select(t => t.SubmitP99 ?? double.NaN).ToArray());
        p99.LegendText = "submit p99 (ms)";
        p99.Axes.YAxis = plot.Axes.Right;
        foreach (var line in new[] { submissions, paid, p50, p99 })
        {
            line.MarkerSize = 0;
            line.LineWidth = 2;
        }
        plot.Title(string.Create(CultureInfo.InvariantCulture,
            $"{result.Settings.Contributors:N0} contributors, {result.Measured.SubmissionsPerSecond:N0} submissions/s"));
        plot.XLabel("second of the measured run");
        plot.Axes.Left.Label.Text = "per second";
        plot.Axes.Right.Label.Text = "milliseconds";
        plot.ShowLegend(Alignment.LowerLeft);
        plot.SavePng(path, 1000, 500);
    }

    /// <summary>The figures a person reads first.</summary>
    public static IEnumerable<string> Summary(LoadResult r)
    {
        static string Ms(double? v) => v is null ? "–" : v.Value.ToString("N1", CultureInfo.InvariantCulture) + " ms";
        var m = r.Measured;
        yield return string.Create(CultureInfo.InvariantCulture,
            $"sign-in: {r.SignIn.Contributors:N0} contributors in {r.SignIn.Seconds:N1} s ({r.SignIn.PerSecond:N0}/s), p99 {Ms(r.SignIn.Latency.P99)}");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"measured {m.Seconds:N0} s: {m.Submissions:N0} submissions ({m.SubmissionsPerSecond:N1}/s), paid {m.PaidPerSecond:N1}/s, " +
            $"accepted {m.Accepted:N0}, rejected {m.Rejected:N0}, pending {m.Pending:N0}, errors {m.Errors:N0}, no work {m.NoWork:N0}, busy {m.Busy:N0}, campaigns {m.Campaigns}");
        foreach (var (name, e) in r.Endpoints)
        {
            var errors = e.Errors.Count == 0 ? "" : " errors " + string.Join(", ", e.Errors.Select(x => $"{x.Key}×{x.Value}"));
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{name,-8} n={e.Count:N0} p50 {Ms(e.P50)} p95 {Ms(e.P95)} p99 {Ms(e.P99)} max {Ms(e.Max)}{errors}");
        }
        foreach (var (name, e) in r.TimeToPaid)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"time to paid, {name}: n={e.Count:N0} p50 {Ms(e.P50)} p95 {Ms(e.P95)} p99 {Ms(e.P99)}");
        }
        foreach (var s in r.Servers)
        {
            var trend = s.SecondHalfTrend is { } t
                ? string.Create(CultureInfo.InvariantCulture,
                    $"; second half {t.MinBytes / 1048576.0:N0}–{t.MaxBytes / 1048576.0:N0} MiB, trend {t.MiBPerMinute:+0.0;-0.0;0.0} MiB/min")
                : "";
            yield return string.Create(CultureInfo.InvariantCulture,
                $"server {s.Url}: memory start {s.StartBytes / 1048576.0:N0} MiB, max {s.MaxBytes / 1048576.0:N0} MiB, end {s.EndBytes / 1048576.0:N0} MiB; " +
                $"mean first half {s.FirstHalfMeanBytes / 1048576.0:N0} MiB, second half {s.SecondHalfMeanBytes / 1048576.0:N0} MiB{trend}");
        }
    }
}

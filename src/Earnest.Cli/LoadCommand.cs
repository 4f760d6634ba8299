using System.CommandLine;
using Earnest.Cli.Load;

namespace Earnest.Cli;

/// <summary><c>earnest bench load</c>: many simulated contributors against one or more servers.</summary>
public static class BenchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var defaults = new LoadSettings();
        var url = new Option<string[]>("--url") { Description = "A server to drive (repeat for several); none: start an embedded one.", AllowMultipleArgumentsPerToken = false };
        var contributors = new Option<int>("--contributors") { Description = "Simulated contributors.", DefaultValueFactory = _ => defaults.Contributors };
        var seconds = new Option<double>("--seconds") { Description = "Length of the measured window.", DefaultValueFactory = _ => defaults.Duration.TotalSeconds };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of running before measuring.", DefaultValueFactory = _ => defaults.Warmup.TotalSeconds };
        var think = new Option<double>("--think-ms") { Description = "Mean think time per task (exponential), in milliseconds.", DefaultValueFactory = _ => defaults.Think.TotalMilliseconds };
        var accuracy = new Option<double>("--accuracy") { Description = "Chance an answer is right.", DefaultValueFactory = _ => defaults.Accuracy };
        var labels = new Option<int>("--labels") { Description = "Labels per task.", DefaultValueFactory = _ => defaults.Labels };
        var gold = new Option<double>("--gold-share") { Description = "Share of gold tasks.", DefaultValueFactory = _ => defaults.GoldShare };
        var tasks = new Option<int>("--tasks") { Description = "Tasks per campaign.", DefaultValueFactory = _ => defaults.TasksPerCampaign };
        var overlap = new Option<int>("--overlap") { Description = "Answers per task.", DefaultValueFactory = _ => defaults.Overlap };
        var seed = new Option<int>("--seed") { Description = "Seed of keys, items, answers and think times.", DefaultValueFactory = _ => defaults.Seed };
        var connections = new Option<int>("--connections") { Description = "HTTP connections per server.", DefaultValueFactory = _ => defaults.Connections };
        var streams = new Option<int>("--streams") { Description = "Contributors that keep an event stream open (time-to-paid of later payments).", DefaultValueFactory = _ => defaults.SampledStreams };
        var data = new Option<string?>("--data") { Description = "Data folder of the embedded server (default: temporary)." };
        var output = new Option<string>("--out") { Description = "JSON result; the PNG chart goes next to it.", DefaultValueFactory = _ => defaults.Output };
        var load = new Command("load", "Simulate contributors (sign in, take work, think, answer, get paid) and a requester keeping campaigns funded; report throughput, latency percentiles, time to paid, errors and server memory.")
        {
            url, contributors, seconds, warmup, think, accuracy, labels, gold, tasks, overlap, seed, connections, streams, data, output,
        };
        load.SetAction(async (parse, ct) =>
        {
            var settings = new LoadSettings
            {
                Urls = parse.GetValue(url) ?? [],
                Contributors = parse.GetValue(contributors),
                Duration = Seconds(parse.GetValue(seconds), "--seconds"),
                Warmup = Seconds(parse.GetValue(warmup), "--warmup"),
                Think = TimeSpan.FromMilliseconds(Finite(parse.GetValue(think), "--think-ms")),
                Accuracy = parse.GetValue(accuracy),
                Labels = parse.GetValue(labels),
                GoldShare = parse.GetValue(gold),
                TasksPerCampaign = parse.GetValue(tasks),
                Overlap = parse.GetValue(overlap),
                Seed = parse.GetValue(seed),
                Connections = parse.GetValue(connections),
                SampledStreams = parse.GetValue(streams),
                Data = parse.GetValue(data),
                Output = parse.GetValue(output)!,
            };
            if (settings.Invalid() is { } problem)
            {
                throw new CliException(problem);
            }
            var result = await LoadRun.RunAsync(settings, Console.Error, ct);
            foreach (var line in LoadReport.Summary(result))
            {
                Console.WriteLine(line);
            }
            Console.WriteLine($"result: {Path.GetFullPath(settings.Output)} (chart: {Path.ChangeExtension(Path.GetFullPath(settings.Output), ".png")})");
            return 0;
        });
        var bench = new Command("bench", "Measure a deployment.") { load };
        return bench;
    }

    private static double Finite(double value, string name) =>
        double.IsFinite(value) && value < 1e9 ? value : throw new CliException($"{name} must be a number of reasonable size.");

    private static TimeSpan Seconds(double value, string name) => TimeSpan.FromSeconds(Finite(value, name));
}

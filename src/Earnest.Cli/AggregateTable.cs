using System.Diagnostics;
using System.Globalization;
using System.Text;
using Earnest.Verification.Aggregation;
using Spectre.Console;

namespace Earnest.Cli;

/// <summary>Folder mode of <c>earnest aggregate</c>: every method on every dataset, as one table.</summary>
public static class AggregateTable
{
    /// <summary>One cell: a method's score on a dataset and the time it took.</summary>
    public sealed record Cell(string Dataset, string Method, Score Score, TimeSpan Time);

    /// <summary>Runs the table over the dataset folders below <paramref name="folder"/>.</summary>
    public static int Run(string folder, AggregateSettings s, string? markdownPath)
    {
        var datasets = Directory.GetDirectories(folder).Order(StringComparer.Ordinal)
            .Where(d => File.Exists(Path.Combine(d, "answers.csv")) && File.Exists(Path.Combine(d, "truth.csv")))
            .ToList();
        if (datasets.Count == 0)
        {
            throw new CliException($"{folder} holds no dataset folders with answers.csv and truth.csv");
        }
        var methods = s.Method == "all" ? Aggregators.All.ToList() : [AggregateCommand.Method(s.Method)];
        var cells = new List<Cell>();
        var replay = new List<string>();
        Progress(datasets.Count, step =>
        {
            foreach (var dataset in datasets)
            {
                cells.AddRange(RunDataset(dataset, methods, s, replay));
                step(Path.GetFileName(dataset));
            }
        });
        var markdown = Markdown(datasets.Select(Path.GetFileName).ToList()!, methods, cells, s);
        if (Console.IsOutputRedirected)
        {
            // Redirected output has no terminal width; a wide table must not wrap mid-number.
            AnsiConsole.Profile.Width = 240;
        }
        AnsiConsole.Write(Table(datasets.Select(Path.GetFileName).ToList()!, methods, cells));
        foreach (var line in replay)
        {
            Console.WriteLine(line);
        }
        if (markdownPath is not null)
        {
            File.WriteAllText(markdownPath, markdown);
        }
        return 0;
    }

    private static IEnumerable<Cell> RunDataset(string dataset, List<IAggregator> methods, AggregateSettings s,
        List<string> replay)
    {
        var answers = Path.Combine(dataset, "answers.csv");
        var numeric = CrowdCsv.LooksNumeric(answers);
        var data = CrowdCsv.Load(answers, Path.Combine(dataset, "truth.csv"), numeric);
        var known = numeric ? null : Gold.Sample(data, s.GoldShare, s.Seed);
        var cells = new List<Cell>();
        foreach (var method in methods.Where(m => m.IsNumeric == numeric))
        {
            var watch = Stopwatch.StartNew();
            var result = method.Aggregate(data.Matrix, new AggregationOptions { Known = known });
            watch.Stop();
            cells.Add(new Cell(Path.GetFileName(dataset), method.Name, AggregateCommand.Evaluate(data, result, known, s), watch.Elapsed));
        }
        if (s.Replay && !numeric)
        {
            var method = methods.FirstOrDefault(m => !m.IsNumeric) ?? AggregateCommand.Method(AggregateCommand.DefaultMethod);
            replay.Add($"== {Path.GetFileName(dataset)}");
            replay.AddRange(AggregateCommand.ReplayLines(data, method, s));
        }
        return cells;
    }

    private static void Progress(int total, Action<Action<string>> work)
    {
        if (Console.IsOutputRedirected)
        {
            var done = 0;
            work(name => Console.Error.WriteLine($"  {++done}/{total} {name}"));
            return;
        }
        AnsiConsole.Progress().Start(context =>
        {
            var task = context.AddTask("datasets", maxValue: total);
            work(_ => task.Increment(1));
        });
    }

    private static string Format(Score score) =>
        double.IsNaN(score.Accuracy)
            ? score.Mae.ToString("0.00", CultureInfo.InvariantCulture) + " MAE"
            : (score.Accuracy * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    private static Table Table(List<string> datasets, List<IAggregator> methods, List<Cell> cells)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("dataset");
        foreach (var m in methods)
        {
            table.AddColumn(new TableColumn(m.Name).RightAligned());
        }
        foreach (var d in datasets)
        {
            table.AddRow([d, .. methods.Select(m => cells.FirstOrDefault(c => c.Dataset == d && c.Method == m.Name) is { } c
                ? $"{Format(c.Score)} [grey]{c.Time.TotalMilliseconds:0} ms[/]"
                : "")]);
        }
        return table;
    }

    /// <summary>The table as Markdown, the best score of each row in bold.</summary>
    public static string Markdown(List<string> datasets, List<IAggregator> methods, List<Cell> cells, AggregateSettings s)
    {
        var md = new StringBuilder();
        md.Append("| dataset | ").Append(string.Join(" | ", methods.Select(m => m.Name))).Append(" |\n");
        md.Append("| --- |").Append(string.Concat(methods.Select(_ => " ---: |"))).Append('\n');
        foreach (var d in datasets)
        {
            var row = cells.Where(c => c.Dataset == d).ToList();
            var best = row.Count == 0 ? null : row.MaxBy(c => double.IsNaN(c.Score.Accuracy) ? -c.Score.Mae : c.Score.Accuracy);
            md.Append("| ").Append(d).Append(" |");
            foreach (var m in methods)
            {
                var c = row.FirstOrDefault(x => x.Method == m.Name);
                var text = c is null ? "" : $"{Format(c.Score)} ({c.Time.TotalMilliseconds:0} ms)";
                md.Append(' ').Append(c is not null && best is not null && Format(c.Score) == Format(best.Score) ? $"**{text}**" : text).Append(" |");
            }
            md.Append('\n');
        }
        md.Append(CultureInfo.InvariantCulture, $"\nSeed {s.Seed}; gold share {s.GoldShare}; Zheng protocol {(s.ZhengProtocol ? "on" : "off")}.\n");
        return md.ToString();
    }
}

using System.Globalization;
using Earnest.Verification.Aggregation;

namespace Earnest.Bench.Aggregation;

/// <summary>
/// <c>dynamic-overlap</c>: replays every categorical dataset in a folder (one sub-folder per set with answers.csv and
/// truth.csv) under a grid of stopping rules, and prints per rule the mean share of answers paid and the mean accuracy
/// drop against full-overlap <c>rds</c> and <c>ds</c>; <c>--detail</c> adds the per-dataset table in markdown.
/// Every list option takes comma-separated values and the grid is their product. One configuration is scored over
/// all sets together: nothing here is tuned per dataset.
/// </summary>
internal static class OverlapExperiment
{
    private sealed record Set(string Name, AnswerMatrix Matrix, int[] Truth, double Rds, double Ds);

    private sealed record Rule(string Method, string Stop, double Threshold, int Agree, int Min, int Max, int Margin, int Seed);

    public static int Run(string[] args)
    {
        var options = Parse(args);
        var folder = options.GetValueOrDefault("data") ?? throw new UsageException("dynamic-overlap needs --data FOLDER");
        var sets = Load(folder);
        Console.WriteLine($"{sets.Count} categorical datasets; full-overlap mean accuracy rds {sets.Average(s => s.Rds) * 100:0.00}%, ds {sets.Average(s => s.Ds) * 100:0.00}%");
        var rules =
            from method in List(options, "method", "rds")
            from stop in List(options, "stop", "")
            from threshold in Numbers(options, "thresholds", "0.99")
            from agree in Numbers(options, "agree", "0")
            from min in Numbers(options, "min", "1")
            from max in Numbers(options, "max", "0")
            from margin in Numbers(options, "margin", "0")
            select (method, stop, threshold, agree, min, max, margin);
        var seeds = Numbers(options, "seeds", "1").Select(s => (int)s).ToArray();
        var detail = options.ContainsKey("detail");
        Console.WriteLine("| method | stop model | threshold | agree | min | max | margin | seeds | mean share paid | mean accuracy | mean drop vs rds | mean drop vs ds | worst drop (set) |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var (method, stop, threshold, agree, min, max, margin) in rules)
        {
            var rows = new List<(Set Set, ReplayReport Report)>();
            foreach (var seed in seeds)
            {
                var rule = new Rule(method, stop, threshold, (int)agree, (int)min, (int)max, (int)margin, seed);
                var reports = new ReplayReport[sets.Count];
                Parallel.For(0, sets.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                    i => reports[i] = Replay(sets[i], rule));
                rows.AddRange(sets.Select((s, i) => (s, reports[i])));
                if (detail)
                {
                    PrintDetail(rule, sets, reports);
                }
            }
            var worst = rows.MaxBy(r => r.Set.Rds - r.Report.Accuracy);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {method} | {(stop.Length == 0 ? method : stop)} | {threshold} | {agree} | {min} | {(max == 0 ? "all" : max)} | {margin} | {string.Join(',', seeds)} | {rows.Average(r => r.Report.Share) * 100:0.0}% | {rows.Average(r => r.Report.Accuracy) * 100:0.00}% | {rows.Average(r => r.Set.Rds - r.Report.Accuracy) * 100:0.00} | {rows.Average(r => r.Set.Ds - r.Report.Accuracy) * 100:0.00} | {(worst.Set.Rds - worst.Report.Accuracy) * 100:0.00} ({worst.Set.Name}) |"));
        }
        return 0;
    }

    private static ReplayReport Replay(Set set, Rule rule)
    {
        var aggregator = Method(rule.Method);
        var settings = new ReplaySettings(rule.Threshold, rule.Min, rule.Max == 0 ? int.MaxValue : rule.Max, rule.Seed)
        {
            Agree = rule.Agree,
            Margin = rule.Margin,
            StopModel = rule.Stop.Length == 0 ? null : Method(rule.Stop),
        };
        return DynamicOverlapReplay.Run(set.Matrix, set.Truth, aggregator, settings);
    }

    private static void PrintDetail(Rule rule, List<Set> sets, ReplayReport[] reports)
    {
        Console.WriteLine();
        Console.WriteLine($"{rule}");
        Console.WriteLine("| dataset | answers | answers paid | share | accuracy | full-overlap rds | full-overlap ds | drop vs rds |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (var i = 0; i < sets.Count; i++)
        {
            var (s, r) = (sets[i], reports[i]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Name} | {s.Matrix.AnswerCount} | {r.AnswersPaid} | {r.Share * 100:0.0}% | {r.Accuracy * 100:0.00}% | {s.Rds * 100:0.00}% | {s.Ds * 100:0.00}% | {(s.Rds - r.Accuracy) * 100:0.00} |"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| **mean** | | | {reports.Average(r => r.Share) * 100:0.0}% | {reports.Average(r => r.Accuracy) * 100:0.00}% | {sets.Average(s => s.Rds) * 100:0.00}% | {sets.Average(s => s.Ds) * 100:0.00}% | {sets.Select((s, i) => s.Rds - reports[i].Accuracy).Average() * 100:0.00} |"));
        Console.WriteLine();
    }

    /// <summary>A registry method, <c>pooled:S</c> (see Aggregators.FindStoppingModel), or <c>hds:S[:D]</c>: Dawid–Skene with S answers' worth of the crowd's average row (and D diagonal pseudo-answers).</summary>
    private static IAggregator Method(string spec)
    {
        var parts = spec.Split(':');
        if (parts[0] == "hds" && parts.Length >= 2)
        {
            var diagonal = parts.Length > 2 ? double.Parse(parts[2], CultureInfo.InvariantCulture) : DawidSkene.Smoothing;
            return new DawidSkene(diagonal, DawidSkene.Smoothing, spec, double.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        return Aggregators.FindStoppingModel(spec) ?? throw new UsageException($"unknown method '{spec}'");
    }

    private static List<Set> Load(string folder)
    {
        var sets = new List<Set>();
        foreach (var dir in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
        {
            var answers = Path.Combine(dir, "answers.csv");
            var truth = Path.Combine(dir, "truth.csv");
            if (!File.Exists(answers) || !File.Exists(truth) || CrowdCsv.LooksNumeric(answers))
            {
                continue;
            }
            var data = CrowdCsv.Load(answers, truth, numeric: false);
            var rds = Aggregators.Find("rds")!.Aggregate(data.Matrix, new AggregationOptions());
            var ds = Aggregators.Find("ds")!.Aggregate(data.Matrix, new AggregationOptions());
            sets.Add(new Set(Path.GetFileName(dir), data.Matrix, data.Truth!,
                Scoring.Categorical(data.Matrix, data.Truth!, rds.Answer).Accuracy,
                Scoring.Categorical(data.Matrix, data.Truth!, ds.Answer).Accuracy));
        }
        return sets;
    }

    private static Dictionary<string, string> Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{args[i]}'");
            }
            var key = args[i][2..];
            options[key] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "";
        }
        return options;
    }

    private static string[] List(Dictionary<string, string> options, string key, string fallback) =>
        (options.GetValueOrDefault(key) ?? fallback).Split(',');

    private static double[] Numbers(Dictionary<string, string> options, string key, string fallback) =>
        (options.GetValueOrDefault(key) ?? fallback).Split(',')
        .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Earnest.Verification.Aggregation;
using Spectre.Console;

namespace Earnest.Cli;

/// <summary>
/// <c>earnest aggregate</c>: truth inference over crowd CSVs — one file with any method, or a folder of datasets as
/// a method × dataset table — and the dynamic-overlap cost curve.
/// </summary>
public static class AggregateCommand
{
    /// <summary>The method used when none is named.</summary>
    public const string DefaultMethod = Aggregators.Default;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "answers.csv (task,worker,label), or a folder of dataset folders each holding answers.csv and truth.csv." };
        var method = new Option<string>("--method") { Description = "Method name, or 'all'. Methods: " + string.Join(", ", Aggregators.All.Select(a => a.Name)) + ".", DefaultValueFactory = _ => DefaultMethod };
        var truth = new Option<string?>("--truth") { Description = "truth.csv (task,label): print accuracy (F1 for binary, MAE/RMSE for numeric)." };
        var numeric = new Option<bool>("--numeric") { Description = "Answers are numbers." };
        var labels = new Option<string?>("--labels") { Description = "The allowed labels, comma-separated; any other is an error." };
        var output = new Option<string?>("--out") { Description = "Write task,answer,confidence (or task,value) here instead of standard output." };
        var replay = new Option<bool>("--replay") { Description = "Print the dynamic-overlap cost curve (answers paid for against accuracy)." };
        var thresholds = new Option<string>("--thresholds") { Description = "Confidence thresholds of the replay.", DefaultValueFactory = _ => "0.7,0.8,0.9,0.95,0.99" };
        var seed = new Option<int>("--seed") { Description = "Seed of the replay's arrival order and of gold sampling.", DefaultValueFactory = _ => 1 };
        var positive = new Option<string?>("--positive") { Description = "The positive label for F1 (default \"1\")." };
        var zheng = new Option<bool>("--zheng-protocol") { Description = "Score truth tasks without answers as a random guess, as Zheng et al. do." };
        var markdown = new Option<string?>("--markdown") { Description = "Folder mode: also write the table as Markdown to this file." };
        var minAnswers = new Option<int>("--min-answers") { Description = "Replay: answers every task gets before confidence is looked at.", DefaultValueFactory = _ => 3 };
        var maxAnswers = new Option<int>("--max-answers") { Description = "Replay: the most answers a task gets (0: all it has).", DefaultValueFactory = _ => 0 };
        var agree = new Option<int>("--agree") { Description = "Replay: a task also needs this many revealed answers giving the stopping model's label.", DefaultValueFactory = _ => 0 };
        var margin = new Option<int>("--margin") { Description = "Replay: a task also needs its top label to lead the runner-up by this many revealed votes.", DefaultValueFactory = _ => 0 };
        var stopModel = new Option<string?>("--stop-model") { Description = "Replay: the model whose confidence decides stopping (a method, or pooled:S for the default with S answers' worth of the crowd's average confusion per contributor); default: --method." };
        var goldShare = new Option<double>("--gold-share") { Description = "Use this share of each dataset's truth as known gold (seeded) and score on the rest.", DefaultValueFactory = _ => 0 };
        var command = new Command("aggregate", "Infer true answers and contributor quality from crowd answers.")
        {
            input, method, truth, numeric, labels, output, replay, thresholds, seed, positive, zheng, markdown, goldShare,
            minAnswers, maxAnswers, agree, margin, stopModel,
        };
        command.SetAction(parse =>
        {
            var settings = new AggregateSettings(parse.GetValue(method)!, parse.GetValue(numeric),
                parse.GetValue(labels)?.Split(',', StringSplitOptions.TrimEntries), parse.GetValue(replay),
                ParseThresholds(parse.GetValue(thresholds)!), parse.GetValue(seed), parse.GetValue(positive),
                parse.GetValue(zheng), parse.GetValue(goldShare), parse.GetValue(minAnswers))
            {
                MaxAnswers = parse.GetValue(maxAnswers),
                Agree = parse.GetValue(agree),
                Margin = parse.GetValue(margin),
                StopModel = parse.GetValue(stopModel),
            };
            if (settings.MinAnswers < 1)
            {
                throw new CliException("--min-answers is at least 1");
            }
            if (settings.MaxAnswers < 0 || settings.Agree < 0 || settings.Margin < 0)
            {
                throw new CliException("--max-answers, --agree and --margin are at least 0");
            }
            if (settings.MaxAnswers > 0 && settings.MaxAnswers < settings.MinAnswers)
            {
                throw new CliException("--max-answers is at least --min-answers");
            }
            if (settings.StopModel is { } spec && Aggregators.FindStoppingModel(spec) is not { IsNumeric: false })
            {
                throw new CliException($"--stop-model '{spec}' is not a categorical method or pooled:S");
            }
            if (settings.GoldShare is < 0 or >= 1)
            {
                throw new CliException("--gold-share is at least 0 and below 1");
            }
            var path = parse.GetValue(input)!;
            try
            {
                return Directory.Exists(path)
                    ? AggregateTable.Run(path, settings, parse.GetValue(markdown))
                    : AggregateFile(path, parse.GetValue(truth), parse.GetValue(output), settings);
            }
            catch (CrowdCsvException ex)
            {
                throw new CliException(ex.Message);
            }
        });
        return command;
    }

    private static double[] ParseThresholds(string text)
    {
        var values = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v is >= 0 and <= 1
                ? v
                : throw new CliException($"--thresholds takes numbers from 0 to 1, not '{t}'"))
            .ToArray();
        return values.Length > 0 ? values : throw new CliException("--thresholds needs at least one value");
    }

    /// <summary>The aggregator of a name, or a one-line error listing the names.</summary>
    public static IAggregator Method(string name) =>
        Aggregators.Find(name) ?? throw new CliException(
            $"no method '{name}'; methods: {string.Join(", ", Aggregators.All.Select(a => a.Name))}");

    private static int AggregateFile(string answers, string? truthPath, string? output, AggregateSettings s)
    {
        if (!File.Exists(answers))
        {
            throw new CliException($"no file or folder at {answers}");
        }
        var aggregator = Method(s.Method == "all" ? DefaultMethod : s.Method);
        var numeric = s.Numeric || aggregator.IsNumeric;
        if (aggregator.IsNumeric != numeric)
        {
            throw new CliException($"method '{aggregator.Name}' is for categorical answers; numeric answers need one of " +
                string.Join(", ", Aggregators.All.Where(a => a.IsNumeric).Select(a => a.Name)));
        }
        var data = CrowdCsv.Load(answers, truthPath, numeric, s.Labels);
        var known = Gold.Sample(data, s.GoldShare, s.Seed);
        var watch = Stopwatch.StartNew();
        var result = aggregator.Aggregate(data.Matrix, new AggregationOptions { Known = known });
        watch.Stop();
        WriteResults(data.Matrix, result, output);
        var err = Console.Error;
        err.WriteLine($"{aggregator.Version}: {data.Matrix.TaskCount} tasks, {data.Matrix.WorkerCount} contributors, " +
                      $"{data.Matrix.AnswerCount} answers, {result.Iterations} iteration(s), {watch.Elapsed.TotalMilliseconds:0.#} ms");
        if (truthPath is not null)
        {
            err.WriteLine(Describe(Evaluate(data, result, known, s)));
        }
        if (s.Replay && !numeric)
        {
            if (data.Truth is null)
            {
                throw new CliException("--replay needs --truth");
            }
            foreach (var line in ReplayLines(data, aggregator, s))
            {
                err.WriteLine(line);
            }
        }
        return 0;
    }

    private static void WriteResults(AnswerMatrix m, AggregationResult result, string? output)
    {
        var csv = new StringBuilder(m.IsNumeric ? "task,value\n" : "task,answer,confidence\n");
        for (var t = 0; t < m.TaskCount; t++)
        {
            csv.Append(Csv(m.TaskIds[t])).Append(',');
            if (m.IsNumeric)
            {
                csv.Append(double.IsNaN(result.Value![t]) ? "" : result.Value[t].ToString("R", CultureInfo.InvariantCulture));
            }
            else
            {
                csv.Append(result.Answer[t] < 0 ? "" : Csv(m.Labels[result.Answer[t]])).Append(',')
                    .Append(result.Confidence[t].ToString("0.######", CultureInfo.InvariantCulture));
            }
            csv.Append('\n');
        }
        if (output is null)
        {
            Console.Out.Write(csv);
        }
        else
        {
            File.WriteAllText(output, csv.ToString());
        }
    }

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>Scores a result against the truth, leaving out the tasks used as known gold.</summary>
    public static Score Evaluate(CrowdData data, AggregationResult result, int[]? known, AggregateSettings s)
    {
        if (data.Matrix.IsNumeric)
        {
            return Scoring.Numeric(data.Matrix, data.TruthValue!, result.Value!);
        }
        var truth = Gold.Hide(data.Truth!, known);
        return Scoring.Categorical(data.Matrix, truth, result.Answer, s.Positive, s.ZhengProtocol);
    }

    /// <summary>One line: accuracy and F1, or MAE and RMSE.</summary>
    public static string Describe(Score score) =>
        double.IsNaN(score.Accuracy)
            ? $"MAE {score.Mae:0.00}, RMSE {score.Rmse:0.00} over {score.Tasks} truth tasks"
            : $"accuracy {score.Accuracy * 100:0.00}% over {score.Tasks} truth tasks" +
              (double.IsNaN(score.F1) ? "" : $", F1 {score.F1:0.0000}");

    /// <summary>The dynamic-overlap curve as printable lines.</summary>
    public static IEnumerable<string> ReplayLines(CrowdData data, IAggregator aggregator, AggregateSettings s)
    {
        var full = aggregator.Aggregate(data.Matrix, new AggregationOptions());
        var fullScore = Scoring.Categorical(data.Matrix, data.Truth!, full.Answer);
        var stop = s.StopModel is null ? null : Aggregators.FindStoppingModel(s.StopModel);
        var rule = $"at least {s.MinAnswers} answers" + (s.MaxAnswers > 0 ? $", at most {s.MaxAnswers}" : "") +
                   (stop is null ? "" : $", stopping model {stop.Name}") + (s.Agree > 0 ? $", {s.Agree} agreeing" : "") +
                   (s.Margin > 0 ? $", vote margin {s.Margin}" : "");
        yield return $"dynamic overlap ({aggregator.Name}, seed {s.Seed}, {rule}); full overlap: {data.Matrix.AnswerCount} answers, accuracy {fullScore.Accuracy * 100:0.00}%";
        yield return "threshold  answers paid  share    accuracy";
        foreach (var threshold in s.Thresholds)
        {
            var settings = new ReplaySettings(threshold, s.MinAnswers, s.MaxAnswers > 0 ? s.MaxAnswers : int.MaxValue, s.Seed)
            {
                Agree = s.Agree,
                Margin = s.Margin,
                StopModel = stop,
            };
            var r = DynamicOverlapReplay.Run(data.Matrix, data.Truth!, aggregator, settings);
            yield return $"{threshold,9:0.###}  {r.AnswersPaid,12}  {r.Share * 100,5:0.0}%  {r.Accuracy * 100,7:0.00}%";
        }
    }
}

/// <summary>Settings of one aggregate run.</summary>
public sealed record AggregateSettings(string Method, bool Numeric, IReadOnlyList<string>? Labels, bool Replay,
    double[] Thresholds, int Seed, string? Positive, bool ZhengProtocol, double GoldShare, int MinAnswers = 3)
{
    /// <summary>Replay: the most answers a task gets (0: all it has).</summary>
    public int MaxAnswers { get; init; }

    /// <summary>Replay: revealed answers that must give the stopping model's label.</summary>
    public int Agree { get; init; }

    /// <summary>Replay: votes by which the top label must lead the runner-up.</summary>
    public int Margin { get; init; }

    /// <summary>Replay: stopping model spec (see <see cref="Aggregators.FindStoppingModel"/>); null uses the method.</summary>
    public string? StopModel { get; init; }
}

/// <summary>Known gold for experiments: a seeded sample of the truth, hidden from scoring.</summary>
public static class Gold
{
    /// <summary>A seeded share of truth tasks (with answers) as known labels, or null for none.</summary>
    public static int[]? Sample(CrowdData data, double share, int seed)
    {
        if (share <= 0 || data.Truth is null)
        {
            return null;
        }
        var random = new Random(seed);
        var known = Enumerable.Repeat(-1, data.Matrix.TaskCount).ToArray();
        for (var t = 0; t < known.Length; t++)
        {
            if (data.Truth[t] >= 0 && data.Matrix.AnswersOf(t) > 0 && random.NextDouble() < share)
            {
                known[t] = data.Truth[t];
            }
        }
        return known;
    }

    /// <summary>The truth without the known tasks, so only held-out tasks are scored.</summary>
    public static int[] Hide(int[] truth, int[]? known) =>
        known is null ? truth : truth.Select((v, t) => known[t] >= 0 ? -1 : v).ToArray();
}

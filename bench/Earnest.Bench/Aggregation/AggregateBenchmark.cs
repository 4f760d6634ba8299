using System.Diagnostics;
using Earnest.Verification.Aggregation;

namespace Earnest.Bench.Aggregation;

/// <summary>
/// <c>aggregate</c>: Dawid–Skene on a synthetic campaign of 1,000,000 answers (100,000 tasks × 10 answers, 5,000
/// contributors, 5 labels) — a full fit to convergence on one thread, and the incremental re-decision of one task
/// after one new answer with the fitted model, against refitting.
/// </summary>
internal static class AggregateBenchmark
{
    public static int Run()
    {
        const int tasks = 100_000, perTask = 10, workers = 5_000, labels = 5;
        var random = new Random(42);
        var accuracy = Enumerable.Range(0, workers).Select(_ => 0.5 + 0.45 * random.NextDouble()).ToArray();
        var builder = new AnswerMatrixBuilder(Enumerable.Range(0, labels).Select(l => "l" + l));
        var truth = new int[tasks];
        for (var t = 0; t < tasks; t++)
        {
            truth[t] = random.Next(labels);
            for (var a = 0; a < perTask; a++)
            {
                var w = random.Next(workers);
                var label = random.NextDouble() < accuracy[w] ? truth[t] : random.Next(labels);
                builder.Add("t" + t, "w" + w, "l" + label);
            }
        }
        var watch = Stopwatch.StartNew();
        var matrix = builder.Build();
        Console.WriteLine($"matrix: {matrix.AnswerCount:N0} answers, {matrix.TaskCount:N0} tasks, {matrix.WorkerCount:N0} contributors, {labels} labels; built in {watch.Elapsed.TotalMilliseconds:N0} ms");
        var ds = (DawidSkene)Aggregators.Find(Aggregators.Default)!;
        ds.Aggregate(matrix, new AggregationOptions { MaxIterations = 2 }); // warm-up (JIT)
        var fits = new List<double>();
        AggregationResult? result = null;
        for (var run = 0; run < 3; run++)
        {
            watch.Restart();
            result = ds.Aggregate(matrix, new AggregationOptions());
            fits.Add(watch.Elapsed.TotalMilliseconds);
        }
        var right = Enumerable.Range(0, tasks).Count(t => result!.Answer[Array.IndexOf(matrix.TaskIds, "t" + t) is var i && i >= 0 ? i : 0] == truth[t]);
        Console.WriteLine($"full fit ({Aggregators.Default}) to convergence: {result!.Iterations} iterations; {string.Join(", ", fits.Select(f => $"{f:N0} ms"))} (3 runs, one thread); accuracy {100.0 * right / tasks:0.00}%");

        var fit = ds.FitModel(matrix, new AggregationOptions());
        const int decisions = 100_000;
        var sink = 0.0;
        watch.Restart();
        for (var n = 0; n < decisions; n++)
        {
            var t = n % tasks;
            var start = matrix.TaskStart[t];
            var count = matrix.AnswersOf(t);
            // One more answer arrives for task t: decide it from the fitted model and its answers.
            var (label, confidence) = fit.Infer(matrix.Worker.AsSpan(start, count), matrix.Label.AsSpan(start, count));
            sink += label + confidence;
        }
        var perDecisionUs = watch.Elapsed.TotalMicroseconds / decisions;
        Console.WriteLine($"incremental re-decision of one task (10–11 answers) with the fitted model: {perDecisionUs:0.00} µs each " +
                          $"({decisions:N0} decisions) — {fits.Min() * 1000 / perDecisionUs:N0}× faster than a full refit ({sink:0} checksum)");
        return 0;
    }
}

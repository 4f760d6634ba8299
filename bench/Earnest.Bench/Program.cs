using Earnest.Bench.Loop;
using Earnest.Bench.Micro;
using Earnest.Bench.Aggregation;

namespace Earnest.Bench;

/// <summary>
/// The benchmark command: <c>loop</c> measures the earn loop end to end (in-process and over HTTP), <c>micro</c> runs
/// the BenchmarkDotNet micro-benchmarks of the hot pure pieces. <c>serve</c> is the HTTP server that <c>loop</c>
/// starts as its child process; it is not meant to be run by hand.
/// </summary>
public static class Program
{
    /// <summary>Exit code of a usage error.</summary>
    public const int UsageError = 2;

    /// <summary>Dispatches to a command.</summary>
    public static async Task<int> Main(string[] args)
    {
        try
        {
            return args switch
            {
                ["loop", .. var rest] => await LoopCommand.RunAsync(LoopSettings.Parse(rest)),
                ["micro", .. var rest] => MicroCommand.Run(rest),
                ["aggregate"] => Aggregation.AggregateBenchmark.Run(),
                ["dynamic-overlap", .. var rest] => Aggregation.OverlapExperiment.Run(rest),
                ["ledger", .. var rest] => await Ledger.LedgerBenchmark.RunAsync(rest),
                ["serve", .. var rest] => await ServeCommand.RunAsync(rest),
                ["help" or "--help" or "-h"] => Usage(0),
                _ => Usage(UsageError),
            };
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine("earnest-bench: " + ex.Message);
            return Usage(UsageError);
        }
    }

    private static int Usage(int exitCode)
    {
        var text = """
            usage: dotnet run -c Release --project bench/Earnest.Bench -- <command> [options]

              loop [--contributors N] [--tasks N] [--seconds S] [--overlap N] [--http child|inproc] [--seed N]
                  The earn loop (lease, submit, verify, pay) in-process and over HTTP on 127.0.0.1: throughput
                  and latency p50/p99 of lease and submit, printed as a table. Defaults: 16 contributors,
                  5000 tasks (10% gold), overlap 3, 10 s per measured row, HTTP server in a child process.
                  Data goes to a fresh folder under the temp folder ($TMPDIR), removed afterwards.
              aggregate
                  Dawid–Skene on 1,000,000 synthetic answers (100,000 tasks, 5,000 contributors, 5 labels): full fit
                  to convergence on one thread, and incremental re-decision of one task with the fitted model.
              dynamic-overlap --data FOLDER [--method M] [--stop M] [--thresholds T,..] [--agree N,..] [--min N,..]
                      [--max N,..] [--margin N,..] [--seeds S,..] [--detail]
                  Dynamic-overlap replay of every categorical dataset in FOLDER under the product of the given rules:
                  mean share of answers paid and mean accuracy drop against full-overlap rds and ds (--detail: per
                  dataset). --stop is the stopping model: a method name, pooled:S as in earnest aggregate
                  --stop-model, or hds:S[:D] (Dawid–Skene with S answers' worth of the crowd's average confusion
                  row and D diagonal pseudo-answers). --max 0 means no maximum.
              ledger [--transfers N] [--accounts N] [--batch N] [--producers N] [--experiment-no-history-index]
                  Durable transfers per second on the embedded store (group commits, each sealing a signed block),
                  then receipt proof generation times. Defaults: 1,000,000 transfers among 10,000 accounts, batches
                  of 1,000 from 16 producers. --experiment-no-history-index drops the per-account history indexes
                  first, to measure what they cost (the node is not usable that way).
              micro [BenchmarkDotNet arguments]
                  Receipt signing and verification, Verifier.Decide (BenchmarkDotNet, [MemoryDiagnoser]).
                  Without arguments runs every benchmark (--filter '*').
            """;
        (exitCode == 0 ? Console.Out : Console.Error).WriteLine(text);
        return exitCode;
    }
}

/// <summary>A command line the benchmark does not understand.</summary>
public sealed class UsageException(string message) : Exception(message);

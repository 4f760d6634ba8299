using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Earnest.Bench.Micro;

/// <summary><c>micro</c>: BenchmarkDotNet over this assembly's benchmarks; arguments go to BenchmarkDotNet.</summary>
internal static class MicroCommand
{
    public static int Run(string[] args)
    {
        // Without a filter BenchmarkSwitcher asks on the console which benchmarks to run; run them all instead.
        var arguments = args.Contains("--filter") || args.Contains("-f") || args.Contains("--list")
            ? args
            : [.. args, "--filter", "*"];
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly)
            .Run(arguments, DefaultConfig.Instance);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}

using System.Diagnostics;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Http;

/// <summary>The README's curl walkthrough (docs/walkthrough.sh) runs as written against a real server.</summary>
public sealed class WalkthroughTests
{
    [Fact]
    public async Task the_readme_curl_walkthrough_runs_against_a_real_server()
    {
        foreach (var tool in new[] { "bash", "curl", "jq" })
        {
            if (!OnPath(tool))
            {
                Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"{tool} is required under CI");
                return;
            }
        }
        await using var server = await TestServer.StartAsync();
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Repository.Root, "docs", "walkthrough.sh"));
        start.ArgumentList.Add(server.Url);
        start.Environment["EARNEST"] = "dotnet " + Path.Combine(AppContext.BaseDirectory, "Earnest.Cli.dll");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token);
        var text = await output + await errors;
        Assert.True(process.ExitCode == 0, text);
        Assert.Contains("verified: signed by " + server.Node.Key.Signer, text, StringComparison.Ordinal);
        Assert.Matches(@"in block \d+ \(hash [0-9a-f]{64}\), leaf \d+ of \d+", text);
        Assert.Contains("r-2,negative,", text, StringComparison.Ordinal);
        Assert.Contains("\"refunded\":596000", text, StringComparison.Ordinal);
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Any(dir => File.Exists(Path.Combine(dir, tool)));
}

public sealed class CliErrorTests
{
    [Fact]
    public async Task an_expected_cli_failure_is_one_line_on_stderr_with_a_non_zero_exit()
    {
        var folder = TempFolder.Create();
        try
        {
            var keyFile = Path.Combine(folder, "k.key");
            await File.WriteAllTextAsync(keyFile, "existing");
            foreach (var args in new[]
                     {
                         new[] { "wallet", "new", "--out", keyFile },
                         ["wallet", "address", "--key", keyFile],
                         ["verify-receipt", Path.Combine(folder, "missing.json")],
                         ["wallet", "nope"],
                         ["serve", "--urls", "ftp://x"],
                         ["serve", "--max-queue-wait-ms", "-1", "--data", Path.Combine(folder, "unused")],
                         ["aggregate", Path.Combine(folder, "missing.csv")],
                         ["aggregate", keyFile],
                         ["aggregate", keyFile, "--method", "nope"],
                     })
            {
                var (exitCode, _, stderr) = await Cli.RunAsync(args);
                Assert.NotEqual(0, exitCode);
                var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(lines.Length == 1 && lines[0].StartsWith("earnest: ", StringComparison.Ordinal),
                    string.Join(" ", args) + " wrote: " + stderr);
            }
            Assert.Equal("existing", await File.ReadAllTextAsync(keyFile));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }
}

public sealed class AggregateCliTests
{
    [Fact]
    public async Task aggregate_writes_answers_as_csv_and_scores_them_against_the_truth()
    {
        var folder = TempFolder.Create();
        try
        {
            var answers = Path.Combine(folder, "answers.csv");
            var truth = Path.Combine(folder, "truth.csv");
            await File.WriteAllTextAsync(answers, "task,worker,label\n1,a,x\n1,b,x\n1,c,y\n2,a,y\n2,b,y\n2,c,y\n3,a,x\n");
            await File.WriteAllTextAsync(truth, "task,label\n1,x\n2,y\n3,y\n");
            var (exitCode, stdout, stderr) = await Cli.RunAsync(["aggregate", answers, "--truth", truth, "--method", "mv"]);
            Assert.True(exitCode == 0, stderr);
            var lines = stdout.Trim().Split('\n');
            Assert.Equal("task,answer,confidence", lines[0]);
            Assert.StartsWith("1,x,", lines[1], StringComparison.Ordinal);
            Assert.StartsWith("2,y,", lines[2], StringComparison.Ordinal);
            Assert.Contains("accuracy 66.67% over 3 truth tasks", stderr, StringComparison.Ordinal);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }
}

/// <summary>Runs the built `earnest` command as a child process.</summary>
public static class Cli
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Earnest.Cli.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}

using System.Text.Json;
using Earnest.Audit;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Http;

/// <summary>`earnest bench load` end to end: its own embedded server process, real contributors, a real requester.</summary>
public sealed class LoadGeneratorTests
{
    [Fact]
    public async Task a_short_load_run_reports_consistent_figures_and_leaves_an_auditable_ledger()
    {
        var folder = TempFolder.Create();
        try
        {
            var data = Path.Combine(folder, "data");
            var output = Path.Combine(folder, "result.json");
            var cli = Path.Combine(AppContext.BaseDirectory, "Earnest.Cli.dll");
            var (exit, printed) = await ChildProcess.RunAsync("dotnet",
            [
                cli, "bench", "load", "--contributors", "30", "--seconds", "2", "--warmup", "0.5", "--think-ms", "10",
                "--tasks", "300", "--streams", "5", "--data", data, "--out", output,
            ], TimeSpan.FromMinutes(3));
            Assert.True(exit == 0, printed);
            Assert.Contains("submissions", printed, StringComparison.Ordinal);

            using var result = JsonDocument.Parse(await File.ReadAllTextAsync(output));
            var measured = result.RootElement.GetProperty("measured");
            var submissions = measured.GetProperty("submissions").GetInt64();
            Assert.True(submissions > 0, "no submission was measured");
            Assert.Equal(submissions, measured.GetProperty("accepted").GetInt64() + measured.GetProperty("rejected").GetInt64()
                                      + measured.GetProperty("pending").GetInt64());
            Assert.Equal(0, measured.GetProperty("errors").GetInt64());
            Assert.Equal(30, result.RootElement.GetProperty("signIn").GetProperty("contributors").GetInt32());
            var submit = result.RootElement.GetProperty("endpoints").GetProperty("submit");
            Assert.Equal(submissions, submit.GetProperty("count").GetInt64());
            Assert.True(submit.GetProperty("p50").GetDouble() <= submit.GetProperty("p99").GetDouble());
            Assert.NotEmpty(result.RootElement.GetProperty("servers").EnumerateArray());

            var png = await File.ReadAllBytesAsync(Path.ChangeExtension(output, ".png"));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);

            // The server was killed at the end (SIGKILL): whatever it acknowledged must replay exactly.
            var audit = Auditor.Run(data);
            Assert.True(audit.Passed, audit.Failure);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task a_run_shorter_than_the_think_time_ends_cleanly_with_contributors_still_waiting_to_start()
    {
        var folder = TempFolder.Create();
        try
        {
            var output = Path.Combine(folder, "result.json");
            var cli = Path.Combine(AppContext.BaseDirectory, "Earnest.Cli.dll");
            // 200 contributors start spread over 60 s; the run lasts 1.5 s, so nearly all are still waiting at its end.
            var (exit, printed) = await ChildProcess.RunAsync("dotnet",
            [
                cli, "bench", "load", "--contributors", "200", "--seconds", "1", "--warmup", "0.5", "--think-ms", "60000",
                "--tasks", "100", "--streams", "0", "--data", Path.Combine(folder, "data"), "--out", output,
            ], TimeSpan.FromMinutes(3));
            Assert.True(exit == 0, printed);
            Assert.DoesNotContain("   at ", printed, StringComparison.Ordinal);
            using var result = JsonDocument.Parse(await File.ReadAllTextAsync(output));
            Assert.Equal(0, result.RootElement.GetProperty("measured").GetProperty("errors").GetInt64());
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task bad_settings_are_one_line_errors()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Earnest.Cli.dll");
        foreach (var args in new[] { new[] { "--contributors", "0" }, ["--url", "ftp://x"], ["--accuracy", "2"], ["--seconds", "-1"] })
        {
            var (exit, printed) = await ChildProcess.RunAsync("dotnet", [cli, "bench", "load", .. args], TimeSpan.FromMinutes(1));
            Assert.True(exit != 0, printed);
            Assert.Contains("earnest: ", printed, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", printed, StringComparison.Ordinal);
        }
    }
}

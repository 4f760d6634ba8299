using System.Diagnostics;
using Earnest.Ledger;
using Earnest.Server;
using Xunit;

namespace Earnest.Tests;

/// <summary>
/// A client in another language, written only from API.md (tests/clients/node/earn-loop.mjs, Node without npm
/// packages), does the whole earn loop against a real server: sign-in, faucet, campaign, work, offline receipt
/// verification, results, close and refund, and the error contracts.
/// </summary>
public sealed class NodeClientTests
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Node_client_written_from_the_API_contract_does_the_whole_earn_loop()
    {
        var nodeExecutable = FindOnPath("node");
        if (nodeExecutable is null)
        {
            // Skipped on a developer machine without Node; never silently skipped on CI.
            Assert.False(
                string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
                "CI=true but `node` (Node.js 20 or later) is not on PATH; the cross-language client test needs it.");
            return;
        }
        var script = Path.Combine(RepositoryRoot(), "tests", "clients", "node", "earn-loop.mjs");
        Assert.True(File.Exists(script), $"missing {script}");

        var dir = Path.Combine(Path.GetTempPath(), "earnest-nodeclient-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var node = await Node.OpenAsync(new EarnestOptions { DataFolder = dir }))
            {
                var app = EarnestServer.Create(node, new ServerOptions { Urls = "http://127.0.0.1:0" });
                await using (app)
                {
                    await app.StartAsync();
                    try
                    {
                        var url = EarnestServer.ListeningUrl(app);
                        var (exitCode, output) = await RunAsync(nodeExecutable, [script, url], ScriptTimeout);
                        Assert.True(exitCode == 0,
                            $"earn-loop.mjs exited with {exitCode} against {url}. Its output:{Environment.NewLine}{output}");
                    }
                    finally
                    {
                        await app.StopAsync();
                    }
                }

                // Whatever the client did, the ledger conserves every asset: its balances sum to zero.
                var sums = node.Database.Read(Postings.Sums);
                Assert.NotEmpty(sums);
                Assert.All(sums, s => Assert.True(s.Value == 0, $"balances of {s.Key} sum to {s.Value}, not zero"));
            }
        }
        finally
        {
            TryDelete(dir);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string executable, string[] arguments,
        TimeSpan timeout)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["NO_COLOR"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, $"timed out after {timeout}{Environment.NewLine}{await stdout}{await stderr}");
        }
        var err = await stderr;
        var output = await stdout + (err.Length > 0 ? $"--- stderr ---{Environment.NewLine}{err}" : "");
        return (process.ExitCode, output);
    }

    private static string? FindOnPath(string name)
    {
        string[] names = OperatingSystem.IsWindows() ? [name + ".exe", name + ".cmd"] : [name];
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var folder in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var candidate in names)
            {
                var full = Path.Combine(folder.Trim('"'), candidate);
                if (File.Exists(full))
                {
                    return full;
                }
            }
        }
        return null;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Earnest.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Earnest.slnx above {AppContext.BaseDirectory}");
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

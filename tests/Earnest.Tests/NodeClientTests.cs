using System.Diagnostics;
using Earnest.Ledger;
using Earnest.Server;
using Earnest.Tests.Support;
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
        var nodeExecutable = ChildProcess.FindOnPath("node");
        if (nodeExecutable is null)
        {
            // Skipped on a developer machine without Node; never silently skipped on CI.
            Assert.False(
                string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
                "CI=true but `node` (Node.js 20 or later) is not on PATH; the cross-language client test needs it.");
            return;
        }
        var script = Path.Combine(Repository.Root, "tests", "clients", "node", "earn-loop.mjs");
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
                        var (exitCode, output) = await ChildProcess.RunAsync(nodeExecutable, [script, url], ScriptTimeout);
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

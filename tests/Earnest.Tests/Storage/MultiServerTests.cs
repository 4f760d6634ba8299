using System.Collections.Concurrent;
using System.Text.Json;
using Dapper;
using Earnest.Client;
using Earnest.Identity;
using Earnest.Market;
using Earnest.Tests.Support;
using Npgsql;
using Xunit;

namespace Earnest.Tests.Storage;

/// <summary>Three `earnest serve` processes on one PostgreSQL database behave as one market, even when one dies.</summary>
public sealed class MultiServerTests
{
    [Fact]
    public async Task three_servers_on_one_database_are_one_market_and_survive_losing_one()
    {
        var database = await PostgresServer.NewDatabaseAsync();
        var folder = TempFolder.Create();
        var servers = new List<ServerProcess>();
        var http = new List<HttpClient>();
        try
        {
            // The first server creates the network key; the others share it (same data folder).
            for (var i = 0; i < 3; i++)
            {
                servers.Add(await ServerProcess.StartAsync(folder, "--database", database,
                    "--requests-per-second", "100000", "--burst", "100000"));
            }
            EarnestClient Client(int server)
            {
                var h = new HttpClient { BaseAddress = new Uri(servers[server].Url), Timeout = TimeSpan.FromSeconds(30) };
                lock (http)
                {
                    http.Add(h);
                }
                return new EarnestClient(h);
            }

            var requester = Client(0);
            using (var key = WalletKey.Create())
            {
                await requester.SignInAsync(key);
            }
            await requester.FaucetAsync(1_000_000_000);
            var campaign = await requester.CreateCampaignAsync(new CreateCampaign("Shared", "Say yes", "classification",
                ["yes", "no"], 100, 10_000_000, 3, null));
            await requester.AddTasksAsync(campaign.Id, Enumerable.Range(0, 240).Select(i => (object)(i % 10 == 0
                ? new { id = $"t{i}", data = new { text = $"item {i}" }, gold = "yes" }
                : new { id = $"t{i}", data = new { text = $"item {i}" } })));
            await requester.PublishAsync(campaign.Id);

            // A payment made through server 0 reaches the contributor's event stream on server 1.
            var listener = Client(1);
            using (var key = WalletKey.Create())
            {
                await listener.SignInAsync(key);
            }
            var viaZero = Client(0);
            viaZero.UseToken(listener.Http.DefaultRequestHeaders.Authorization!.Parameter!);
            using var stream = await listener.Http.GetStreamAsync("/v1/events");
            using var events = new StreamReader(stream);
            Assert.Equal(": connected", await events.ReadLineAsync());
            string? paidRef = null;
            for (var tries = 0; paidRef is null && tries < 40; tries++)
            {
                var lease = await viaZero.LeaseAsync(campaign.Id);
                Assert.NotNull(lease);
                var outcome = await viaZero.SubmitAsync(lease!.Id, "yes");
                if (outcome.Payment is not null)
                {
                    paidRef = outcome.SubmissionId;
                }
            }
            Assert.NotNull(paidRef);
            using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                string? line;
                var seen = false;
                while (!seen && (line = await events.ReadLineAsync(wait.Token)) is not null)
                {
                    seen = line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains(paidRef, StringComparison.Ordinal);
                }
                Assert.True(seen, "the payment event did not reach the stream on the other server");
            }

            // Hundreds of contributors spread over the three servers; server 2 is killed mid-run.
            var acknowledged = new ConcurrentDictionary<string, string>(); // transfer id → submission id
            var submitted = 0;
            var killed = new TaskCompletionSource();
            var contributors = Enumerable.Range(0, 210).Select(async i =>
            {
                var client = Client(i % 3);
                try
                {
                    using (var key = WalletKey.Create())
                    {
                        await client.SignInAsync(key);
                    }
                    while (await client.LeaseAsync(campaign.Id) is { } lease)
                    {
                        var outcome = await client.SubmitAsync(lease.Id, "yes");
                        if (outcome.Payment is { } payment)
                        {
                            acknowledged[payment.TransferId] = outcome.SubmissionId;
                        }
                        if (Interlocked.Increment(ref submitted) == 150)
                        {
                            servers[2].Kill();
                            killed.TrySetResult();
                        }
                    }
                }
                catch (Exception ex) when (i % 3 == 2 && ex is HttpRequestException or TaskCanceledException or ApiException)
                {
                    // This contributor's server died; it stops, as a client would until it reconnects elsewhere.
                }
            }).ToList();
            await Task.WhenAll(contributors);
            Assert.True(killed.Task.IsCompleted, "the run ended before a server was killed");

            // The CLI audit replays everything the three servers wrote.
            var cli = Path.Combine(AppContext.BaseDirectory, "Earnest.Cli.dll");
            var (exit, printed) = await ChildProcess.RunAsync("dotnet", [cli, "audit", folder, "--database", database],
                TimeSpan.FromMinutes(2));
            Assert.True(exit == 0, printed);

            await using var c = new NpgsqlConnection(database);
            // No contributor answered a task twice; no submission was paid twice; no task took more answers than it needs.
            Assert.Equal(0, await c.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM (SELECT 1 FROM submissions GROUP BY contributor, campaign_id, task_seq HAVING COUNT(*) > 1) AS twice"));
            Assert.Equal(0, await c.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM (SELECT 1 FROM transfers WHERE kind = 'payout' GROUP BY ref HAVING COUNT(*) > 1) AS twice"));
            Assert.Equal(0, await c.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM tasks WHERE gold IS NULL AND answers > required"));
            // Every acknowledged payment is in the ledger exactly once, paying the submission it answered.
            var stored = (await c.QueryAsync<(string Id, string Ref)>("SELECT id, ref FROM transfers WHERE kind = 'payout'"))
                .ToDictionary(r => r.Id, r => r.Ref);
            Assert.NotEmpty(acknowledged);
            Assert.All(acknowledged, a => Assert.Equal(a.Value, stored.GetValueOrDefault(a.Key)));
            // One chain: heights and sequence numbers without a gap.
            var (blocks, maxHeight) = await c.QuerySingleAsync<(long, long)>("SELECT COUNT(*), MAX(height) FROM blocks");
            Assert.Equal(blocks, maxHeight);
            var (transfers, maxSeq) = await c.QuerySingleAsync<(long, long)>("SELECT COUNT(*), MAX(seq) FROM transfers");
            Assert.Equal(transfers, maxSeq);
        }
        finally
        {
            foreach (var h in http)
            {
                h.Dispose();
            }
            foreach (var s in servers)
            {
                s.Dispose();
            }
            TempFolder.Delete(folder);
        }
    }
}

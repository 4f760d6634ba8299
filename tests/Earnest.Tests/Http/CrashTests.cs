using System.Net;
using Earnest.Client;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Market;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Http;

/// <summary>
/// The server is killed with SIGKILL mid-workload and restarted on the same data folder: everything answered with
/// success is still there, exactly once, and retries of unanswered requests never pay twice.
/// </summary>
public sealed class CrashTests
{
    [Fact]
    public async Task nothing_acknowledged_is_lost_across_kill_9_and_retries_never_pay_twice()
    {
        var folder = TempFolder.Create();
        try
        {
            using var requesterKey = WalletKey.Create();
            var acknowledged = new Dictionary<string, long>();
            var attempted = new List<string>();
            string token;
            string campaignId;
            var random = new Random(2026);

            var server = await ServerProcess.StartAsync(folder);
            using (var http = new HttpClient { BaseAddress = new Uri(server.Url) })
            {
                var requester = new EarnestClient(http);
                await requester.SignInAsync(requesterKey);
                token = http.DefaultRequestHeaders.Authorization!.Parameter!;
                var campaign = await requester.CreateCampaignAsync(new CreateCampaign("Crash", "", "classification",
                    ["a", "b"], 10, 1_000, 1, null));
                campaignId = campaign.Id;
                await requester.AddTasksAsync(campaignId, [new { id = "t", data = new { } }]);
            }

            for (var cycle = 0; cycle < 3; cycle++)
            {
                using var http = new HttpClient { BaseAddress = new Uri(server.Url) };
                var requester = new EarnestClient(http);
                requester.UseToken(token);
                // A burst of faucet calls, each with its own id; the kill lands while some are in flight.
                var ids = Enumerable.Range(0, 40).Select(i => $"crash-{cycle}-{i}").ToList();
                attempted.AddRange(ids);
                var calls = ids.Select(async id =>
                {
                    try
                    {
                        var paid = await requester.PostAsync<PaymentView>("/v1/faucet", new { amount = 1_000 + cycle, id });
                        lock (acknowledged)
                        {
                            acknowledged[id] = paid.Amount;
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or ApiException)
                    {
                        // Unanswered: retried after the restart.
                    }
                }).ToList();
                await Task.WhenAny(Task.WhenAll(calls), Task.Delay(random.Next(5, 60)));
                server.Kill();
                await Task.WhenAll(calls);
                server.Dispose();
                server = await ServerProcess.StartAsync(folder);
            }

            using (var http = new HttpClient { BaseAddress = new Uri(server.Url) })
            {
                var requester = new EarnestClient(http);
                requester.UseToken(token); // sessions survive the crash too
                foreach (var (id, amount) in acknowledged)
                {
                    var transfer = await requester.GetAsync<TransferView>($"/v1/transfers/{Uri.EscapeDataString(id)}");
                    Assert.Equal(amount, transfer.Amount);
                }
                // Retry every attempt with its original amount: acknowledged ones answer with the original, the
                // rest are made now; either way each id is paid once.
                foreach (var id in attempted)
                {
                    var cycle = int.Parse(id.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture);
                    var paid = await requester.PostAsync<PaymentView>("/v1/faucet", new { amount = 1_000 + cycle, id });
                    Assert.Equal(id, paid.TransferId);
                }
                var expected = attempted.Sum(id => 1_000L + int.Parse(id.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(expected, (await requester.AccountAsync()).Balances.Single().Amount);
                Assert.Equal("draft", (await requester.CampaignAsync(campaignId)).Status);
            }
            server.Kill();
            server.Dispose();

            using var node = await Node.OpenAsync(new EarnestOptions { DataFolder = folder });
            Assert.All(node.Database.Read(Postings.Sums).Values, sum => Assert.Equal(0, sum));
            Assert.Equal(attempted.Count, node.Funds.History(requesterKey.Address, null, 500).AssertOk().Count);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }
}

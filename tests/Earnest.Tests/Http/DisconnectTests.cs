using System.Net;
using Dapper;
using Earnest.Audit;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Http;

/// <summary>A client that hangs up mid-request leaves either the whole effect of its request or none of it.</summary>
public sealed class DisconnectTests
{
    [Fact]
    public async Task submissions_abandoned_at_random_moments_are_all_or_nothing()
    {
        await using var server = await TestServer.StartAsync(o => { o.RequestsPerSecond = 100_000; o.RequestBurst = 100_000; });
        var (_, campaign) = await server.Test.PublishedCampaignAsync(
            [.. Enumerable.Range(0, 60).Select(i => ($"t{i}", i % 5 == 0 ? "yes" : (string?)null))], reward: 10, overlap: 3);
        var random = new Random(5);
        var abandoned = 0;
        for (var c = 0; c < 6; c++)
        {
            var contributor = await server.SignedInAsync();
            while (await contributor.LeaseAsync(campaign) is { } lease)
            {
                // Hang up after a random fraction of a millisecond to a few milliseconds: before, during or after the
                // server's commit.
                using var hangUp = new CancellationTokenSource(TimeSpan.FromTicks(random.Next(1, 40_000)));
                try
                {
                    using var response = await contributor.Http.PostAsync($"/v1/assignments/{lease.Id}/submission",
                        new StringContent("{\"answer\":\"yes\"}", System.Text.Encoding.UTF8, "application/json"), hangUp.Token);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }
                catch (TaskCanceledException)
                {
                    abandoned++;
                    // A retry learns what happened: submitted already (409), or it goes through now.
                    using var retry = await contributor.Http.PostAsync($"/v1/assignments/{lease.Id}/submission",
                        new StringContent("{\"answer\":\"yes\"}", System.Text.Encoding.UTF8, "application/json"));
                    Assert.Contains(retry.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict });
                }
            }
        }
        Assert.True(abandoned > 0, "no request was abandoned; the test proved nothing");
        await server.Test.Node.Database.WriteAsync(_ => true); // every write so far is committed
        server.Test.Node.Database.Read(c =>
        {
            // Each task's answer count is exactly its submissions; each accepted submission is paid exactly once.
            Assert.Equal(0, c.ExecuteScalar<long>("""
                SELECT COUNT(*) FROM tasks t WHERE t.answers <> (SELECT COUNT(*) FROM submissions s
                    WHERE s.campaign_id = t.campaign_id AND s.task_seq = t.seq)
                """));
            Assert.Equal(0, c.ExecuteScalar<long>("""
                SELECT COUNT(*) FROM submissions s WHERE s.status = 'accepted' AND
                    (SELECT COUNT(*) FROM transfers p WHERE p.kind = 'payout' AND p.ref = s.id) <> 1
                """));
            Assert.Equal(0, c.ExecuteScalar<long>(
                "SELECT COUNT(*) FROM assignments a WHERE a.status = 'submitted' AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.assignment_id = a.id)"));
            return 0;
        });
        var audit = Auditor.Run(server.Test.Folder);
        Assert.True(audit.Passed, audit.Failure);
    }
}

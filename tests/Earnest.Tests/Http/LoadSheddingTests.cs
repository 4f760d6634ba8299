using System.Net;
using System.Text.Json;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Http;

/// <summary>
/// Under more load than the writer can serve, the server refuses new work (sign-ins, leases) with 503 and a
/// Retry-After while its queue is long, and finishes the work under way: a queue that only grows would leave every
/// caller waiting until it gives up, and the writer then serves answers no one reads.
/// </summary>
public sealed class LoadSheddingTests
{
    /// <summary>Holds the writer inside a piece of work until disposed.</summary>
    private sealed class HeldWriter : IAsyncDisposable
    {
        private readonly SemaphoreSlim _release = new(0);
        private readonly Task<int> _piece;

        private HeldWriter(Earnest.Storage.Database database, SemaphoreSlim running)
        {
            _piece = database.WriteAsync(_ =>
            {
                running.Release();
                _release.Wait();
                return 0;
            });
        }

        public static async Task<HeldWriter> HoldAsync(Earnest.Storage.Database database)
        {
            using var running = new SemaphoreSlim(0);
            var held = new HeldWriter(database, running);
            Assert.True(await running.WaitAsync(TimeSpan.FromSeconds(30)), "the writer never took the piece");
            return held;
        }

        public async ValueTask DisposeAsync()
        {
            _release.Release();
            await _piece;
            _release.Dispose();
        }
    }

    [Fact]
    public async Task the_queue_wait_is_the_age_of_the_piece_the_writer_is_on_and_zero_when_it_is_idle()
    {
        await using var t = await TestNode.StartAsync();
        var database = t.Node.Database;
        await database.WriteAsync(_ => 0);
        Assert.True(SpinWait.SpinUntil(() => database.QueueWait == TimeSpan.Zero, TimeSpan.FromSeconds(30)),
            "an idle writer reports a wait");

        await using (await HeldWriter.HoldAsync(database))
        {
            t.Time.Advance(TimeSpan.FromSeconds(3));
            Assert.Equal(TimeSpan.FromSeconds(3), database.QueueWait);
            t.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(TimeSpan.FromSeconds(4), database.QueueWait);
        }
        Assert.True(SpinWait.SpinUntil(() => database.QueueWait == TimeSpan.Zero, TimeSpan.FromSeconds(30)),
            "the wait outlived the work");
    }

    [Fact]
    public async Task new_sign_ins_and_leases_are_refused_while_the_queue_is_long_and_submissions_still_go_through()
    {
        await using var server = await TestServer.StartAsync(o => o.MaxQueueWait = TimeSpan.FromSeconds(2));
        var (_, campaign) = await server.Test.PublishedCampaignAsync(
            [.. Enumerable.Range(0, 10).Select(i => ($"t{i}", (string?)"yes"))], reward: 10, overlap: 1);
        var contributor = await server.SignedInAsync();
        var lease = await contributor.LeaseAsync(campaign);
        Assert.NotNull(lease);
        var before = Earned(await contributor.AccountAsync());

        Task<Earnest.Market.SubmissionOutcome> submitted;
        Task<Earnest.Outcome<Earnest.Market.AssignmentView?>> queuedLease;
        await using (await HeldWriter.HoldAsync(server.Node.Database))
        {
            // Queued before the wait grew long: served once the writer is free.
            using (var other = Earnest.Identity.WalletKey.Create())
            {
                queuedLease = server.Node.Work.LeaseAsync(other.Address, campaign);
            }
            server.Test.Time.Advance(TimeSpan.FromSeconds(2.5));

            using var refused = await contributor.Http.PostAsync("/v1/assignments",
                new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
            await AssertBusyAsync(refused, retryAfterSeconds: 3);
            using var challenge = await server.NewHttp().PostAsync("/v1/auth/challenge", new StringContent(
                "{\"address\":\"" + Earnest.Identity.WalletKey.Create().Address + "\"}", System.Text.Encoding.UTF8,
                "application/json"));
            await AssertBusyAsync(challenge, retryAfterSeconds: 3);

            // Work under way is not refused: the submission waits for the writer and is paid.
            submitted = contributor.SubmitAsync(lease.Id, "yes");
            Assert.False(submitted.IsCompleted);
        }
        Assert.NotNull((await queuedLease).Value);
        Assert.Equal("accepted", (await submitted).Status);
        Assert.Equal(before + 10, Earned(await contributor.AccountAsync()));

        // The backlog gone, new work is taken again.
        Assert.True(SpinWait.SpinUntil(() => server.Node.Database.QueueWait == TimeSpan.Zero, TimeSpan.FromSeconds(30)));
        Assert.NotNull(await contributor.LeaseAsync(campaign));
    }

    private static long Earned(Earnest.Ledger.AccountView account) =>
        account.Balances.Where(b => b.Asset == "EARN").Sum(b => b.Amount);

    private static async Task AssertBusyAsync(HttpResponseMessage response, int retryAfterSeconds)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(retryAfterSeconds), response.Headers.RetryAfter?.Delta);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("busy", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Earnest.Audit;
using Earnest.Client;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Market;
using Earnest.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Earnest.Tests.Http;

/// <summary>
/// A real `earnest serve` process runs a mixed workload (faucet calls and mints with client ids, contributors leasing
/// and submitting to a campaign paid at once and to one decided by majority) and is killed with SIGKILL at a seeded
/// random moment, many times, on one data folder. After every restart the audit passes, every acknowledged payment is
/// there exactly once with its amount, and every unacknowledged request retried with its original id and amount
/// completes without paying twice.
/// </summary>
public sealed class CrashCycleTests(ITestOutputHelper output)
{
    private const int Seed = 20_260_517;
    private const int Cycles = 50;
    private const string Asset = "CRASH";
    private const long Reward = 1_000;
    private const int SingleTasks = 2_000;
    private const int MajorityTasks = 500;
    private const int MajorityOverlap = 3;
    private const int ContributorsAtOnce = 5;
    private const int RotateContributorsEvery = 10;
    /// <summary>Every this-many cycles (and on the last), whole histories are read back, not only what changed.</summary>
    private const int ThoroughEvery = 5;
    private static readonly string[] Labels = ["even", "odd"];

    [Fact]
    public async Task fifty_seeded_kill_9_cycles_lose_no_acknowledged_payment_and_never_pay_twice()
    {
        var clock = Stopwatch.StartNew();
        var folder = TempFolder.Create();
        var random = new Random(Seed);
        var world = new World();
        var server = await ServerProcess.StartAsync(folder);
        try
        {
            await SetUpAsync(server.Url, world);
            for (var cycle = 0; cycle < Cycles; cycle++)
            {
                if (cycle % RotateContributorsEvery == 0 || world.Working.Any(c => c.Retired))
                {
                    await RotateContributorsAsync(server.Url, world, replaceAll: cycle % RotateContributorsEvery == 0);
                }
                var phase = Stopwatch.StartNew();
                await RunAndKillAsync(server, cycle, world, random);
                world.Time("workload and kill", phase);
                server.Dispose();
                // The data folder exactly as the kill left it.
                var crashed = Auditor.Run(folder);
                Assert.True(crashed.Passed, $"cycle {cycle}: the audit of the killed server's data failed: {crashed.Failure}");
                world.Time("audit", phase);
                server = await ServerProcess.StartAsync(folder);
                world.Time("restart", phase);
                await VerifyAndRetryAsync(server.Url, cycle, world,
                    thorough: cycle % ThoroughEvery == ThoroughEvery - 1 || cycle == Cycles - 1);
                world.Time("read back and retry", phase);
                var audit = Auditor.Run(folder);
                Assert.True(audit.Passed, $"cycle {cycle}: the audit after the restart and retries failed: {audit.Failure}");
                world.Time("audit", phase);
            }

            // The campaigns close (refunding what is left), the server dies once more, and the real CLI audits the
            // data folder as the crash left it.
            await CloseCampaignsAsync(server.Url, world);
            server.Kill();
            var (exitCode, stdout, stderr) = await Cli.RunAsync(["audit", folder]);
            Assert.True(exitCode == 0, $"earnest audit exited {exitCode}: {stderr}{stdout}");
            Assert.Contains("audit passed", stdout, StringComparison.Ordinal);

            // The test must have crashed the server mid-request, not only between requests.
            Assert.True(world.CyclesWithLostRequests >= Cycles / 2,
                $"only {world.CyclesWithLostRequests} of {Cycles} kills caught a request in flight");
            Assert.True(world.PaidSubmissions > 100, $"only {world.PaidSubmissions} submissions were paid");
            output.WriteLine(string.Join(", ", world.Phases.Select(p => $"{p.Key} {p.Value.TotalSeconds:F1} s")));
            output.WriteLine($"{Cycles} cycles in {clock.Elapsed.TotalSeconds:F1} s; {world.Stats()}");
        }
        finally
        {
            server.Dispose();
            TempFolder.Delete(folder);
        }
    }

    private static async Task SetUpAsync(string url, World world)
    {
        world.Requester = await SignInAsync(url, "requester");
        world.Minter = await SignInAsync(url, "minter");
        world.Issuer = await SignInAsync(url, "issuer");
        using var http = Http(url, world.Requester);
        var requester = new EarnestClient(http);
        var single = new Campaign("paid at once", SingleTasks, 1);
        var majority = new Campaign("decided by majority", MajorityTasks, MajorityOverlap);
        await requester.PostAsync<PaymentView>("/v1/faucet",
            new { amount = single.Budget + majority.Budget, id = "setup-budget" });
        foreach (var campaign in new[] { single, majority })
        {
            var created = await requester.CreateCampaignAsync(new CreateCampaign("Crash " + campaign.Title, "Even or odd?",
                "classification", Labels, Reward, campaign.Budget, campaign.Overlap, null,
                new PolicyRequest("mv", null, null, null, null)));
            campaign.Id = created.Id;
            await requester.AddTasksAsync(created.Id,
                Enumerable.Range(0, campaign.Tasks).Select(n => new { id = $"n-{n}", data = new { n } }));
            Assert.Equal(campaign.Budget, (await requester.PublishAsync(created.Id)).Escrow);
        }
        world.Single = single;
        world.Majority = majority;

        using var issuerHttp = Http(url, world.Issuer);
        await new EarnestClient(issuerHttp).PostAsync<AssetView>("/v1/assets",
            new { symbol = Asset, decimals = 2, maxSupply = 1_000_000_000_000L });
        world.Faucet = new PaymentStream("faucet", world.Minter, "EARN", "/v1/faucet");
        world.Mint = new PaymentStream("mint", world.Issuer, Asset, $"/v1/assets/{Asset}/mint");
    }

    private static async Task RotateContributorsAsync(string url, World world, bool replaceAll)
    {
        for (var i = 0; i < world.Working.Count; i++)
        {
            if (replaceAll || world.Working[i].Retired)
            {
                world.Working[i].Retired = true;
                world.Working[i] = new Contributor(await SignInAsync(url, $"contributor-{world.Contributors.Count}"));
                world.Contributors.Add(world.Working[i]);
            }
        }
        while (world.Working.Count < ContributorsAtOnce)
        {
            var contributor = new Contributor(await SignInAsync(url, $"contributor-{world.Contributors.Count}"));
            world.Working.Add(contributor);
            world.Contributors.Add(contributor);
        }
    }

    /// <summary>Runs the workload and kills the server at a seeded random moment while it runs.</summary>
    private static async Task RunAndKillAsync(ServerProcess server, int cycle, World world, Random random)
    {
        var clients = new List<HttpClient>();
        EarnestClient Client(Party who)
        {
            var http = Http(server.Url, who);
            clients.Add(http);
            return new EarnestClient(http);
        }
        try
        {
            var lanes = new List<Task>();
            for (var lane = 0; lane < 3; lane++)
            {
                lanes.Add(PayLaneAsync(Client(world.Minter), world.Faucet, world,
                    Plan(new Random(random.Next()), $"f{cycle}.{lane}", 40, 1_000_000)));
            }
            if (random.NextDouble() < 0.35)
            {
                lanes.Add(PayLaneAsync(Client(world.Issuer), world.Mint, world,
                    Plan(new Random(random.Next()), $"m{cycle}", random.Next(1, 12), 100_000)));
            }
            foreach (var contributor in world.Working)
            {
                lanes.Add(WorkLaneAsync(Client(contributor.Party), contributor, world, new Random(random.Next()), 40));
            }
            var workload = Task.WhenAll(lanes);
            // A seeded random kill time, not a synchronisation: whatever is in flight then is cut off.
            await Task.WhenAny(workload, Task.Delay(random.Next(20, 450)));
            server.Kill();
            await workload;
        }
        finally
        {
            foreach (var http in clients)
            {
                http.Dispose();
            }
        }
        var lost = world.Faucet.Unacknowledged.Count + world.Mint.Unacknowledged.Count +
                   world.Contributors.Sum(c => c.Unanswered.Count);
        if (lost > 0)
        {
            world.CyclesWithLostRequests++;
        }
        Assert.True(world.Unexpected.IsEmpty, $"cycle {cycle}: {string.Join("; ", world.Unexpected)}");
    }

    private static List<(string Id, long Amount)> Plan(Random random, string prefix, int count, int maxAmount) =>
        Enumerable.Range(0, count).Select(i => ($"{prefix}.{i}", (long)random.Next(1, maxAmount))).ToList();

    /// <summary>Faucet calls or mints, one after the other, each with its own id, until the server dies.</summary>
    private static async Task PayLaneAsync(EarnestClient client, PaymentStream stream, World world,
        List<(string Id, long Amount)> plan)
    {
        foreach (var (id, amount) in plan)
        {
            lock (stream)
            {
                stream.Attempted.Add(id, amount);
                stream.Unacknowledged.Add(id);
            }
            try
            {
                var paid = await client.PostAsync<PaymentView>(stream.Path, new { amount, id });
                if (paid.TransferId != id || paid.Amount != amount || paid.Asset != stream.Asset)
                {
                    world.Unexpected.Enqueue($"{stream.Name} {id} {amount} answered {paid.TransferId} {paid.Amount} {paid.Asset}");
                }
                lock (stream)
                {
                    stream.Unacknowledged.Remove(id);
                    stream.AcknowledgedLately.Add(id);
                }
            }
            catch (Exception ex) when (IsLost(ex))
            {
                return; // unanswered: retried after the restart
            }
            catch (ApiException ex)
            {
                world.Unexpected.Enqueue($"{stream.Name} {id}: {ex.Message}");
                return;
            }
        }
    }

    /// <summary>A contributor leasing and answering (mostly right) until the server dies.</summary>
    private static async Task WorkLaneAsync(EarnestClient client, Contributor contributor, World world, Random random,
        int steps)
    {
        for (var step = 0; step < steps; step++)
        {
            var first = random.NextDouble() < 0.6 ? world.Single : world.Majority;
            var answerRight = random.NextDouble() < 0.85;
            AssignmentView? lease;
            try
            {
                lease = await client.LeaseAsync(first.Id);
                if (lease is null)
                {
                    var other = first == world.Single ? world.Majority : world.Single;
                    lease = await client.LeaseAsync(other.Id);
                }
            }
            catch (Exception ex) when (IsLost(ex))
            {
                return; // a lease made but unanswered expires on its own
            }
            catch (ApiException ex) when (ex.Status == HttpStatusCode.TooManyRequests &&
                                          ex.Body.Contains("open assignments", StringComparison.Ordinal))
            {
                contributor.Retired = true; // its unanswered leases hold its quota: a fresh contributor replaces it
                return;
            }
            catch (ApiException ex)
            {
                world.Unexpected.Enqueue($"lease by {contributor.Party.Name}: {ex.Message}");
                return;
            }
            if (lease is null)
            {
                world.OutOfWork = true;
                return;
            }
            var n = lease.Data.GetProperty("n").GetInt32();
            var answer = Labels[(n + (answerRight ? 0 : 1)) % 2];
            contributor.Unanswered[lease.Id] = answer;
            try
            {
                var outcome = await client.SubmitAsync(lease.Id, answer);
                contributor.Unanswered.TryRemove(lease.Id, out _);
                contributor.Record(lease.Id, outcome, world);
            }
            catch (Exception ex) when (IsLost(ex))
            {
                return;
            }
            catch (ApiException ex)
            {
                world.Unexpected.Enqueue($"submission of {lease.Id}: {ex.Message}");
                return;
            }
        }
    }

    private static bool IsLost(Exception ex) => ex is HttpRequestException or OperationCanceledException or IOException;

    /// <summary>After a restart: what was acknowledged is there exactly once; what was not is retried and paid once.</summary>
    private static async Task VerifyAndRetryAsync(string url, int cycle, World world, bool thorough)
    {
        using var signerHttp = new HttpClient { BaseAddress = new Uri(url) };
        var signer = await new EarnestClient(signerHttp).LedgerKeyAsync();
        foreach (var stream in new[] { world.Faucet, world.Mint })
        {
            await VerifyStreamAsync(url, cycle, stream, signer, world, thorough);
        }
        // Every retry first: a retried answer can decide a task and pay other contributors' pending answers.
        foreach (var contributor in world.Contributors)
        {
            await RetrySubmissionsAsync(url, contributor, world);
        }
        // A contributor that no longer works and has nothing pending cannot change; it is read back thoroughly only.
        foreach (var contributor in world.Contributors.Where(c => thorough || c.HasPending || world.Working.Contains(c)))
        {
            await VerifyContributorAsync(url, cycle, contributor, signer);
        }
        using var http = Http(url, world.Requester);
        var requester = new EarnestClient(http);
        var accepted = 0L;
        var views = new List<CampaignView>();
        foreach (var campaign in new[] { world.Single, world.Majority })
        {
            var view = await requester.CampaignAsync(campaign.Id);
            views.Add(view);
            Assert.Equal("open", view.Status);
            Assert.Equal(view.Accepted * Reward, view.Spent);
            Assert.Equal(campaign.Budget, view.Spent + view.Escrow);
            accepted += view.Accepted;
        }
        // Every payout of every contributor is one accepted submission of the campaigns, and the other way round.
        Assert.True(accepted == world.Contributors.Sum(c => c.Payouts),
            $"cycle {cycle}: the campaigns accepted {accepted} submissions, contributors hold " +
            $"{world.Contributors.Sum(c => c.Payouts)} payouts; {string.Join(" | ", views)}");
        world.PaidSubmissions = accepted;
    }

    private static async Task VerifyStreamAsync(string url, int cycle, PaymentStream stream, string signer, World world,
        bool thorough)
    {
        using var http = Http(url, stream.Owner);
        var client = new EarnestClient(http);
        // Acknowledged since the last restart: present with the acknowledged amount and a receipt that verifies.
        foreach (var id in stream.AcknowledgedLately)
        {
            var transfer = await client.GetAsync<TransferView>($"/v1/transfers/{Uri.EscapeDataString(id)}");
            Assert.True(transfer.Amount == stream.Attempted[id] && transfer.Asset == stream.Asset &&
                        transfer.Credit == stream.Owner.Address && transfer.Kind == TransferKinds.Mint,
                $"cycle {cycle}: acknowledged {stream.Name} {id} of {stream.Attempted[id]} reads back as {transfer}");
            Assert.Null(transfer.Receipt.Verify(signer, requireProof: true));
        }
        stream.AcknowledgedLately.Clear();
        // Unanswered: the same id and amount again either answers the original or pays now.
        foreach (var id in stream.Unacknowledged.Order(StringComparer.Ordinal).ToList())
        {
            var paid = await client.PostAsync<PaymentView>(stream.Path, new { amount = stream.Attempted[id], id });
            Assert.True(paid.TransferId == id && paid.Amount == stream.Attempted[id],
                $"cycle {cycle}: retried {stream.Name} {id} of {stream.Attempted[id]} answered {paid.TransferId} {paid.Amount}");
            stream.Unacknowledged.Remove(id);
            world.Retried++;
        }
        // Every id attempted is now paid (read back above or answered by its retry); the balance is their sum, so no
        // id was paid twice and nothing else was paid. Now and then the whole history is read back too: every id
        // attempted so far exactly once with its amount, and nothing else.
        if (thorough)
        {
            var history = (await HistoryAsync(client)).Where(t => t.Asset == stream.Asset).ToList();
            var duplicates = history.GroupBy(t => t.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(duplicates.Count == 0,
                $"cycle {cycle}: {stream.Name} transfers listed twice: {string.Join(", ", duplicates)}");
            Assert.Equal(stream.Attempted.OrderBy(p => p.Key, StringComparer.Ordinal),
                history.ToDictionary(t => t.Id, t => t.Amount).OrderBy(p => p.Key, StringComparer.Ordinal));
        }
        var balance = (await client.AccountAsync()).Balances.SingleOrDefault(b => b.Asset == stream.Asset)?.Amount ?? 0;
        Assert.Equal(stream.Attempted.Values.Sum(), balance);
    }

    private static async Task RetrySubmissionsAsync(string url, Contributor contributor, World world)
    {
        using var http = Http(url, contributor.Party);
        var client = new EarnestClient(http);
        // Leased, then the answer went unanswered (or was never sent): the same answer again is taken once, or is
        // refused because the first one was taken.
        foreach (var (assignment, answer) in contributor.Unanswered.OrderBy(p => p.Key, StringComparer.Ordinal).ToList())
        {
            try
            {
                var outcome = await client.SubmitAsync(assignment, answer);
                contributor.Record(assignment, outcome, world);
                world.SubmissionsRetriedAndTaken++;
            }
            catch (ApiException ex) when (ex.Status == HttpStatusCode.Conflict &&
                                          ex.Body.Contains("has a submission already", StringComparison.Ordinal))
            {
                contributor.SubmittedAssignments.Add(assignment);
                world.SubmissionsRetriedAndRefused++;
            }
            contributor.Unanswered.TryRemove(assignment, out _);
        }
    }

    private static async Task VerifyContributorAsync(string url, int cycle, Contributor contributor, string signer)
    {
        using var http = Http(url, contributor.Party);
        var client = new EarnestClient(http);
        var who = $"cycle {cycle}, {contributor.Party.Name}";
        var submissions = await client.GetAsync<List<SubmissionView>>("/v1/submissions?limit=500");
        Assert.True(submissions.Count < 500, $"{who}: too many submissions to list them all");
        Assert.Equal(submissions.Count, submissions.Select(s => s.Id).Distinct().Count());
        // One submission per assignment answered, however many times the answer was sent.
        Assert.True(contributor.SubmittedAssignments.Count == submissions.Count,
            $"{who}: {contributor.SubmittedAssignments.Count} assignments answered, {submissions.Count} submissions");
        var byId = submissions.ToDictionary(s => s.Id);
        foreach (var (id, outcome) in contributor.Acknowledged)
        {
            Assert.True(byId.TryGetValue(id, out var stored), $"{who}: acknowledged submission {id} is gone");
            Assert.True(outcome.Status == "pending" || stored.Status == outcome.Status,
                $"{who}: submission {id} was {outcome.Status}, now {stored.Status}");
        }

        var history = await HistoryAsync(client);
        var payouts = history.Where(t => t.Kind == TransferKinds.Payout).ToList();
        Assert.True(payouts.Count == history.Count, $"{who}: a contributor received something other than payouts");
        Assert.Equal(payouts.Count, payouts.Select(t => t.Id).Distinct().Count());
        Assert.All(payouts, t =>
        {
            Assert.Equal(TaskDecisions.PayoutId(t.Ref!), t.Id);
            Assert.Equal(Reward, t.Amount);
            Assert.Equal(contributor.Party.Address, t.Credit);
        });
        // Paid exactly the accepted submissions, each once.
        var accepted = submissions.Where(s => s.Status == "accepted").Select(s => s.Id).Order(StringComparer.Ordinal);
        Assert.Equal(accepted, payouts.Select(t => t.Ref!).Order(StringComparer.Ordinal));
        Assert.All(submissions.Where(s => s.Status == "accepted"), s => Assert.Equal(TaskDecisions.PayoutId(s.Id), s.TransferId));
        var paidIds = payouts.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var id in contributor.PaidLately)
        {
            Assert.True(paidIds.Contains(id), $"{who}: acknowledged payment {id} is gone");
            var transfer = await client.GetAsync<TransferView>($"/v1/transfers/{Uri.EscapeDataString(id)}");
            Assert.Null(transfer.Receipt.Verify(signer, requireProof: true));
        }
        contributor.PaidLately.Clear();
        var balance = (await client.AccountAsync()).Balances.SingleOrDefault(b => b.Asset == "EARN")?.Amount ?? 0;
        Assert.Equal(payouts.Count * Reward, balance);
        contributor.Payouts = payouts.Count;
        contributor.HasPending = submissions.Any(s => s.Status == "pending");
    }

    private static async Task CloseCampaignsAsync(string url, World world)
    {
        using var http = Http(url, world.Requester);
        var requester = new EarnestClient(http);
        foreach (var campaign in new[] { world.Single, world.Majority })
        {
            var closed = await requester.CloseAsync(campaign.Id);
            Assert.Equal("closed", closed.Status);
            var view = await requester.CampaignAsync(campaign.Id);
            Assert.Equal(campaign.Budget, view.Spent + view.Refunded);
        }
    }

    private static async Task<List<TransferView>> HistoryAsync(EarnestClient client)
    {
        var all = new List<TransferView>();
        string? after = null;
        while (true)
        {
            var page = await client.TransfersAsync(after, Funds.MaxPage);
            all.AddRange(page);
            if (page.Count < Funds.MaxPage)
            {
                return all;
            }
            after = page[^1].Id;
        }
    }

    private static async Task<Party> SignInAsync(string url, string name)
    {
        using var key = WalletKey.Create();
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var client = new EarnestClient(http);
        await client.SignInAsync(key);
        return new Party(name, key.Address, http.DefaultRequestHeaders.Authorization!.Parameter!);
    }

    private static HttpClient Http(string url, Party who)
    {
        var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        new EarnestClient(http).UseToken(who.Token); // sessions survive the crashes
        return http;
    }

    private sealed record Party(string Name, string Address, string Token);

    private sealed class Campaign(string title, int tasks, int overlap)
    {
        public string Title { get; } = title;
        public int Tasks { get; } = tasks;
        public int Overlap { get; } = overlap;
        public long Budget => Reward * Tasks * Overlap;
        public string Id { get; set; } = "";
    }

    /// <summary>Payments one account asks for with its own ids: the faucet, or mints of the asset it issued.</summary>
    private sealed class PaymentStream(string name, Party owner, string asset, string path)
    {
        public string Name { get; } = name;
        public Party Owner { get; } = owner;
        public string Asset { get; } = asset;
        public string Path { get; } = path;
        public Dictionary<string, long> Attempted { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Unacknowledged { get; } = new(StringComparer.Ordinal);
        public List<string> AcknowledgedLately { get; } = [];
    }

    private sealed class Contributor(Party party)
    {
        public Party Party { get; } = party;
        public bool Retired { get; set; }
        /// <summary>Leased assignments, with the answer sent, whose submission was cut off unanswered.</summary>
        public ConcurrentDictionary<string, string> Unanswered { get; } = new(StringComparer.Ordinal);
        /// <summary>Assignments known to have a submission.</summary>
        public HashSet<string> SubmittedAssignments { get; } = new(StringComparer.Ordinal);
        /// <summary>Acknowledged submissions by id, with the acknowledged decision.</summary>
        public Dictionary<string, SubmissionOutcome> Acknowledged { get; } = new(StringComparer.Ordinal);
        /// <summary>Payments acknowledged in a submission's answer since the last restart.</summary>
        public List<string> PaidLately { get; } = [];
        public int Payouts { get; set; }
        public bool HasPending { get; set; }

        public void Record(string assignment, SubmissionOutcome outcome, World world)
        {
            SubmittedAssignments.Add(assignment);
            Acknowledged.Add(outcome.SubmissionId, outcome);
            if (outcome.Status == "accepted" != outcome.Payment is not null)
            {
                world.Unexpected.Enqueue($"submission {outcome.SubmissionId} is {outcome.Status} with payment {outcome.Payment?.TransferId}");
            }
            if (outcome.Payment is { } payment)
            {
                if (payment.TransferId != TaskDecisions.PayoutId(outcome.SubmissionId) || payment.Amount != Reward)
                {
                    world.Unexpected.Enqueue($"submission {outcome.SubmissionId} paid {payment.TransferId} {payment.Amount}");
                }
                PaidLately.Add(payment.TransferId);
            }
        }
    }

    private sealed class World
    {
        public Party Requester { get; set; } = null!;
        public Party Minter { get; set; } = null!;
        public Party Issuer { get; set; } = null!;
        public Campaign Single { get; set; } = null!;
        public Campaign Majority { get; set; } = null!;
        public PaymentStream Faucet { get; set; } = null!;
        public PaymentStream Mint { get; set; } = null!;
        public List<Contributor> Contributors { get; } = [];
        public List<Contributor> Working { get; } = [];
        public ConcurrentQueue<string> Unexpected { get; } = new();
        public int CyclesWithLostRequests { get; set; }
        public long PaidSubmissions { get; set; }
        public int Retried { get; set; }
        public int SubmissionsRetriedAndTaken { get; set; }
        public int SubmissionsRetriedAndRefused { get; set; }
        public bool OutOfWork { get; set; }
        public Dictionary<string, TimeSpan> Phases { get; } = [];

        public void Time(string phase, Stopwatch watch)
        {
            Phases[phase] = Phases.GetValueOrDefault(phase) + watch.Elapsed;
            watch.Restart();
        }

        public string Stats() =>
            $"{Faucet.Attempted.Count} faucet calls and {Mint.Attempted.Count} mints ({Retried} retried after a crash); " +
            $"{Contributors.Sum(c => c.SubmittedAssignments.Count)} submissions by {Contributors.Count} contributors, " +
            $"{PaidSubmissions} paid; unanswered submissions retried: {SubmissionsRetriedAndTaken} taken, " +
            $"{SubmissionsRetriedAndRefused} refused as already submitted; {CyclesWithLostRequests} kills cut a request " +
            $"off{(OutOfWork ? "; the campaigns ran out of work" : "")}";
    }
}

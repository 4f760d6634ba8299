using System.Diagnostics;
using Earnest.Client;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Market;
using Earnest.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Earnest.Cli.Demo;

/// <summary>Runs a whole demo market and returns its report.</summary>
public static class Simulation
{
    /// <summary>
    /// Starts a node and its HTTP server, lets a requester and a simulated crowd trade through the API only, closes
    /// the campaign and reports. <paramref name="submitted"/> hears the running count of submissions.
    /// </summary>
    public static async Task<DemoReport> RunAsync(DemoSettings settings, Action<int>? submitted = null,
        CancellationToken ct = default)
    {
        await using var market = await DemoMarket.StartAsync(settings, ct).ConfigureAwait(false);
        await market.RunCrowdAsync(submitted, ct).ConfigureAwait(false);
        return await market.FinishAsync(ct).ConfigureAwait(false);
    }
}

/// <summary>One answer a simulated contributor gave, with the server's immediate outcome.</summary>
public sealed record Submitted(SyntheticItem Item, string Answer, SubmissionOutcome Outcome);

/// <summary>What the demo learned about one contributor once the campaign closed, all read back over the API.</summary>
public sealed record ContributorFacts(ContributorProfile Profile, IReadOnlyList<Submitted> Submissions,
    IReadOnlyList<TransferView> Transfers, long Balance);

/// <summary>
/// A demo market in three stages, so a caller can show progress between them: <see cref="StartAsync"/> (node,
/// server, funded and published campaign), <see cref="RunCrowdAsync"/> (the crowd works until no work is left) and
/// <see cref="FinishAsync"/> (close, read everything back, report). Every market action goes through the HTTP API
/// with each party's own bearer token; the node object is only opened, served and disposed.
/// </summary>
public sealed class DemoMarket : IAsyncDisposable
{
    /// <summary>Transfers asked for per history page (the server's maximum).</summary>
    private const int TransfersPerPage = 500;

    private readonly bool _ownsFolder;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly SemaphoreSlim _gate;
    private readonly List<HttpClient> _https = [];
    private SocketsHttpHandler? _handler;
    private Node? _node;
    private WebApplication? _app;
    private EarnestClient? _requester;
    private List<Contributor> _crowd = [];
    private int _submitted;
    private TimeSpan _workElapsed;

    private DemoMarket(DemoSettings settings, string folder, bool ownsFolder)
    {
        Settings = settings;
        _gate = new SemaphoreSlim(settings.Concurrency, settings.Concurrency);
        DataFolder = folder;
        _ownsFolder = ownsFolder;
        World = SyntheticWorld.Create(settings);
    }

    /// <summary>The settings of this run.</summary>
    public DemoSettings Settings { get; }

    /// <summary>Everything the seed decided.</summary>
    public SyntheticWorld World { get; }

    /// <summary>The node's data folder.</summary>
    public string DataFolder { get; }

    /// <summary>The server's base URL.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The requester's wallet address.</summary>
    public string RequesterAddress { get; private set; } = "";

    /// <summary>The campaign the crowd works on.</summary>
    public string CampaignId { get; private set; } = "";

    /// <summary>Base units the faucet minted to the requester.</summary>
    public long Minted { get; private set; }

    /// <summary>Faucet calls it took (each is capped).</summary>
    public int FaucetCalls { get; private set; }

    /// <summary>The default asset (symbol and decimals).</summary>
    public Asset Asset { get; private set; } = new("EARN", 6, "");

    /// <summary>
    /// Opens a node on a fresh data folder, serves it on a free local port, and has the requester sign in, fund
    /// itself from the faucet, create the campaign, add the tasks and publish.
    /// </summary>
    public static async Task<DemoMarket> StartAsync(DemoSettings settings, CancellationToken ct = default)
    {
        var problem = settings.Problem();
        if (problem is not null)
        {
            throw new CliException(problem);
        }
        var (folder, owns) = PrepareFolder(settings.DataFolder);
        var market = new DemoMarket(settings, folder, owns);
        try
        {
            await market.StartServerAsync(ct).ConfigureAwait(false);
            await market.OpenCampaignAsync(ct).ConfigureAwait(false);
            return market;
        }
        catch
        {
            await market.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static (string Folder, bool Owns) PrepareFolder(string? requested)
    {
        if (requested is null)
        {
            return (Path.Combine(Path.GetTempPath(), "earnest-demo-" + Guid.NewGuid().ToString("N")[..12]), true);
        }
        // The conservation check compares every balance with what this run minted, so earlier money would break it.
        if (Directory.Exists(requested) && Directory.EnumerateFileSystemEntries(requested).Any())
        {
            throw new CliException($"--data {requested} is not empty; the demo needs a fresh folder.");
        }
        return (requested, false);
    }

    private async Task StartServerAsync(CancellationToken ct)
    {
        _node = await Node.OpenAsync(new EarnestOptions { DataFolder = DataFolder, DevNetwork = true })
            .ConfigureAwait(false);
        // The whole crowd signs in from one IP address, and the rate limit is per caller: lift it out of the way.
        // The crowd's clients take every answer as final, so no lease is shed either (a stalled machine would
        // otherwise end the demo).
        _app = EarnestServer.Create(_node, new ServerOptions
        {
            Urls = "http://127.0.0.1:0",
            RequestsPerSecond = 1_000_000,
            RequestBurst = 1_000_000,
            MaxQueueWait = TimeSpan.Zero,
            LogLevel = LogLevel.Error,
        });
        await _app.StartAsync(ct).ConfigureAwait(false);
        Url = EarnestServer.ListeningUrl(_app);
        // One connection pool for every party: each has its own HttpClient (and so its own bearer token) over it.
        _handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Settings.Concurrency + 2,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        };
    }

    private EarnestClient NewClient()
    {
        var http = new HttpClient(_handler!, disposeHandler: false)
        {
            BaseAddress = new Uri(Url),
            Timeout = TimeSpan.FromSeconds(60),
        };
        _https.Add(http);
        return new EarnestClient(http);
    }

    private async Task OpenCampaignAsync(CancellationToken ct)
    {
        _requester = NewClient();
        using (var key = WalletKey.FromSeed(World.RequesterKeySeed))
        {
            await _requester.SignInAsync(key, ct).ConfigureAwait(false);
            RequesterAddress = key.Address;
        }
        var assets = await _requester.GetAsync<List<Asset>>("/v1/assets", ct).ConfigureAwait(false);
        Asset = assets.FirstOrDefault() ?? throw new InvalidOperationException("The server lists no asset.");
        await FundAsync(Settings.Budget, ct).ConfigureAwait(false);
        var campaign = await _requester.CreateCampaignAsync(new CreateCampaign(
            "Is this review positive, negative or neutral?",
            "Read the review and choose the label that fits it best.",
            Campaigns.Classification, DemoSettings.Labels, DemoSettings.Reward, Settings.Budget,
            DemoSettings.Overlap, Asset.Symbol), ct).ConfigureAwait(false);
        CampaignId = campaign.Id;
        foreach (var batch in World.Items.Chunk(DemoSettings.TasksPerRequest))
        {
            var added = await _requester.AddTasksAsync(CampaignId, batch.Select(TaskBody), ct).ConfigureAwait(false);
            Expect(added.Added == batch.Length, $"the server added {added.Added} of {batch.Length} tasks");
        }
        var published = await _requester.PublishAsync(CampaignId, ct).ConfigureAwait(false);
        Expect(published.Escrow == Settings.Budget,
            $"publishing put {published.Escrow} in escrow, not the budget of {Settings.Budget}");
    }

    /// <summary>Mints <paramref name="amount"/> to the requester in calls no larger than the faucet's cap.</summary>
    private async Task FundAsync(long amount, CancellationToken ct)
    {
        var cap = checked(1_000 * Asset.OneUnit);
        var calls = (int)((amount + cap - 1) / cap);
        for (var i = 0; i < calls; i++)
        {
            var paid = await _requester!.FaucetAsync(Math.Min(cap, amount - Minted), ct).ConfigureAwait(false);
            Minted += paid.Amount;
            FaucetCalls++;
        }
        Expect(Minted == amount, $"the faucet minted {Minted}, not {amount}");
    }

    private static object TaskBody(SyntheticItem item) => new
    {
        id = item.TaskId,
        data = new { item = item.Index, text = $"Synthetic review #{item.Index}" },
        gold = item.Gold ? item.Truth : null,
    };

    /// <summary>
    /// Every contributor signs in, then leases, answers and submits until the server has no work for it (204). At most
    /// <see cref="DemoSettings.Concurrency"/> steps are in flight; the gate's queue is first-come first-served, so the
    /// crowd takes turns and the work spreads over all of it rather than over the first few to start.
    /// </summary>
    public async Task RunCrowdAsync(Action<int>? submitted = null, CancellationToken ct = default)
    {
        _crowd = World.Contributors.Select(p => new Contributor(p, NewClient())).ToList();
        var work = Stopwatch.StartNew();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await Task.WhenAll(_crowd.Select(async c =>
        {
            try
            {
                await WorkAsync(c, submitted, failed.Token).ConfigureAwait(false);
            }
            catch
            {
                // One failure ends the run; the others stop instead of piling more requests on a broken market.
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        })).ConfigureAwait(false);
        _workElapsed = work.Elapsed;
    }

    private async Task WorkAsync(Contributor contributor, Action<int>? submitted, CancellationToken ct)
    {
        await GatedAsync(async () =>
        {
            using var key = WalletKey.FromSeed(contributor.Profile.KeySeed);
            await contributor.Client.SignInAsync(key, ct).ConfigureAwait(false);
            return true;
        }, ct).ConfigureAwait(false);
        // The server never leases a task twice to one contributor, so more steps than tasks would be a bug.
        for (var step = 0; step <= Settings.Tasks; step++)
        {
            var more = await GatedAsync(() => StepAsync(contributor, ct), ct).ConfigureAwait(false);
            if (!more)
            {
                return;
            }
            submitted?.Invoke(Interlocked.Increment(ref _submitted));
        }
        throw new InvalidOperationException(
            $"contributor {contributor.Profile.Index} was leased more than the {Settings.Tasks} tasks there are");
    }

    /// <summary>Leases one task, answers it and submits; false when the server has no work left for this contributor.</summary>
    private async Task<bool> StepAsync(Contributor contributor, CancellationToken ct)
    {
        var assignment = await contributor.Client.LeaseAsync(CampaignId, ct).ConfigureAwait(false);
        if (assignment is null)
        {
            return false;
        }
        var item = World.Items[assignment.Data.GetProperty("item").GetInt32()];
        var answer = contributor.Profile.Answer(item, assignment.Labels);
        var outcome = await contributor.Client.SubmitAsync(assignment.Id, answer, ct).ConfigureAwait(false);
        contributor.Submissions.Add(new Submitted(item, answer, outcome));
        return true;
    }

    private async Task<T> GatedAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Closes the campaign (the refund, and the settlement of answers still pending), then reads back over the API
    /// the results, the campaign, and every party's balance and transfers, and builds the report.
    /// </summary>
    public async Task<DemoReport> FinishAsync(CancellationToken ct = default)
    {
        var requester = _requester!;
        var closed = await requester.CloseAsync(CampaignId, ct).ConfigureAwait(false);
        var campaign = await requester.CampaignAsync(CampaignId, ct).ConfigureAwait(false);
        var results = await requester.ResultsAsync(CampaignId, ct).ConfigureAwait(false);
        var signer = await requester.LedgerKeyAsync(ct).ConfigureAwait(false);
        var requesterBalance = Balance(await requester.AccountAsync(ct).ConfigureAwait(false));
        var facts = await Task.WhenAll(_crowd.Select(c => GatedAsync(() => FactsAsync(c, ct), ct)))
            .ConfigureAwait(false);
        var market = new MarketFacts(Settings, World, Asset, CampaignId, Minted, closed, campaign, results,
            requesterBalance, signer, facts, _workElapsed, _clock.Elapsed);
        return DemoReport.Build(market);
    }

    private async Task<ContributorFacts> FactsAsync(Contributor contributor, CancellationToken ct)
    {
        var transfers = new List<TransferView>();
        string? after = null;
        // A contributor's transfers are its payouts, at most one per task; the bound guards against a paging bug.
        for (var page = 0; page <= Settings.Tasks / TransfersPerPage + 1; page++)
        {
            var batch = await contributor.Client.TransfersAsync(after, TransfersPerPage, ct).ConfigureAwait(false);
            transfers.AddRange(batch);
            if (batch.Count < TransfersPerPage)
            {
                var account = await contributor.Client.AccountAsync(ct).ConfigureAwait(false);
                return new ContributorFacts(contributor.Profile, contributor.Submissions, transfers, Balance(account));
            }
            after = batch[^1].Id;
        }
        throw new InvalidOperationException($"contributor {contributor.Profile.Index} has more transfers than tasks");
    }

    private long Balance(AccountView account) =>
        account.Balances.Where(b => b.Asset == Asset.Symbol).Sum(b => b.Amount);

    private static void Expect(bool condition, string failure)
    {
        if (!condition)
        {
            throw new CliException("demo failed: " + failure);
        }
    }

    /// <summary>Stops the server, closes the node and, when the folder was a temporary one, deletes it.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var http in _https)
        {
            http.Dispose();
        }
        _handler?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
        _node?.Dispose();
        _gate.Dispose();
        if (_ownsFolder && Directory.Exists(DataFolder))
        {
            try
            {
                Directory.Delete(DataFolder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Pooled SQLite connections can keep the file open on Windows; a leftover temp folder is harmless.
            }
        }
    }

    /// <summary>A simulated contributor's client and the answers it gave (written only by its own loop).</summary>
    private sealed record Contributor(ContributorProfile Profile, EarnestClient Client)
    {
        public List<Submitted> Submissions { get; } = [];
    }
}

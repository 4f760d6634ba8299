using System.Diagnostics;
using System.Text.Json;
using Earnest.Client;
using Earnest.Identity;
using Earnest.Market;
using Earnest.Server;
using Microsoft.Extensions.Logging;

namespace Earnest.Bench.Loop;

/// <summary>
/// A market the benchmark drives: a requester that funds and publishes campaigns, and contributors that lease and
/// submit. Two implementations: calls straight into a <see cref="Node"/>, and the typed HTTP client against a server.
/// </summary>
internal interface IMarket : IAsyncDisposable
{
    /// <summary>The process that runs the engine when it is not this one (its CPU time is measured apart).</summary>
    Process? ServerProcess { get; }

    /// <summary>Funds the requester, creates a campaign with these tasks and publishes it; answers its id.</summary>
    Task<string> PublishCampaignAsync(string title, IReadOnlyList<NewTask> tasks, int overlap, CancellationToken ct);

    /// <summary>A new contributor, signed in and ready to work.</summary>
    Task<IContributor> JoinAsync(CancellationToken ct);

    /// <summary>The campaign as its requester sees it: submissions, decisions, money spent.</summary>
    Task<CampaignView> CampaignAsync(string campaignId, CancellationToken ct);
}

/// <summary>One contributor's two calls of the earn loop.</summary>
internal interface IContributor
{
    /// <summary>Leases the next task of the campaign, or answers null when there is none.</summary>
    Task<AssignmentView?> LeaseAsync(string campaignId, CancellationToken ct);

    /// <summary>Submits an answer; the outcome carries the decision and, when accepted at once, the payment.</summary>
    Task<SubmissionOutcome> SubmitAsync(string assignmentId, string answer, CancellationToken ct);
}

/// <summary>Helpers shared by the markets.</summary>
internal static class MarketSetup
{
    /// <summary>Labels of a benchmark campaign, as the create call takes them.</summary>
    public static CreateCampaign Campaign(string title, int overlap) => new(title,
        "Which animal is in the picture? (benchmark data; the item says its own answer)", Campaigns.Classification,
        LoopSettings.Labels, LoopSettings.Reward, LoopSettings.Budget, overlap, null);

    /// <summary>
    /// Tasks whose data carries the true label, so the simulated contributors can answer right or wrong on purpose;
    /// every tenth task is gold.
    /// </summary>
    public static IReadOnlyList<NewTask> Tasks(int count, int seed)
    {
        var random = new Random(seed);
        var goldEvery = (int)Math.Round(1 / LoopSettings.GoldShare);
        var tasks = new List<NewTask>(count);
        for (var i = 0; i < count; i++)
        {
            var truth = LoopSettings.Labels[random.Next(LoopSettings.Labels.Count)];
            var data = JsonSerializer.SerializeToElement(new { item = i, truth });
            tasks.Add(new NewTask($"t{i}", data, i % goldEvery == 0 ? truth : null));
        }
        return tasks;
    }

    /// <summary>A fresh folder under the temp folder (which honours $TMPDIR).</summary>
    public static string NewDataFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "earnest-bench-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Removes a data folder the benchmark created; a leftover temp folder is not worth failing over.</summary>
    public static void DeleteDataFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"could not remove {folder}: {ex.Message}");
        }
    }

    /// <summary>Options of a benchmark node: a dev network (faucet on) in the given folder.</summary>
    public static EarnestOptions NodeOptions(string folder) => new() { DataFolder = folder, DevNetwork = true };

    /// <summary>
    /// Server options of the benchmark: the per-caller rate limit is lifted so the figures show the engine, not the
    /// limiter (the default, 200 requests per second per token, would cap one contributor at 100 loops per second).
    /// </summary>
    public static ServerOptions ServerOptions() => new()
    {
        Urls = "http://127.0.0.1:0",
        RequestsPerSecond = 1_000_000,
        RequestBurst = 1_000_000,
        LogLevel = LogLevel.Warning,
    };
}

/// <summary>The market as a library: contributors call <see cref="Work"/> directly, no HTTP, no sign-in.</summary>
internal sealed class InProcessMarket : IMarket
{
    private readonly Node _node;
    private readonly string _folder;
    private readonly string _requester;

    private InProcessMarket(Node node, string folder)
    {
        _node = node;
        _folder = folder;
        using var key = WalletKey.Create();
        _requester = key.Address;
    }

    public Process? ServerProcess => null;

    public static async Task<InProcessMarket> OpenAsync()
    {
        var folder = MarketSetup.NewDataFolder();
        return new InProcessMarket(await Node.OpenAsync(MarketSetup.NodeOptions(folder)), folder);
    }

    public async Task<string> PublishCampaignAsync(string title, IReadOnlyList<NewTask> tasks, int overlap,
        CancellationToken ct)
    {
        Check(await _node.Funds.FaucetAsync(_requester, LoopSettings.Budget, null, ct), "faucet");
        var campaign = Check(await _node.Campaigns.CreateAsync(_requester, MarketSetup.Campaign(title, overlap), ct),
            "create campaign");
        foreach (var chunk in tasks.Chunk(_node.Options.MaxTasksPerRequest))
        {
            Check(await _node.Campaigns.AddTasksAsync(_requester, campaign.Id, chunk, ct), "add tasks");
        }
        Check(await _node.Campaigns.PublishAsync(_requester, campaign.Id, ct), "publish");
        return campaign.Id;
    }

    public Task<IContributor> JoinAsync(CancellationToken ct)
    {
        using var key = WalletKey.Create();
        return Task.FromResult<IContributor>(new Contributor(_node.Work, key.Address));
    }

    public Task<CampaignView> CampaignAsync(string campaignId, CancellationToken ct) =>
        Task.FromResult(Check(_node.Campaigns.Get(_requester, campaignId), "campaign"));

    public ValueTask DisposeAsync()
    {
        _node.Dispose();
        MarketSetup.DeleteDataFolder(_folder);
        return ValueTask.CompletedTask;
    }

    private static T Check<T>(Outcome<T> outcome, string what) => outcome.IsOk
        ? outcome.Value!
        : throw new InvalidOperationException($"{what} failed: {outcome.Error} {outcome.Detail}");

    private sealed class Contributor(Work work, string address) : IContributor
    {
        public async Task<AssignmentView?> LeaseAsync(string campaignId, CancellationToken ct) =>
            Check(await work.LeaseAsync(address, campaignId, ct).ConfigureAwait(false), "lease");

        public async Task<SubmissionOutcome> SubmitAsync(string assignmentId, string answer, CancellationToken ct) =>
            Check(await work.SubmitAsync(address, assignmentId, answer, ct).ConfigureAwait(false), "submit");
    }
}

/// <summary>
/// The market over HTTP on 127.0.0.1: every party is an <see cref="EarnestClient"/> that signs in with its own wallet
/// key; the server runs in a child process or in this one.
/// </summary>
internal sealed class HttpMarket : IMarket
{
    private readonly SocketsHttpHandler _handler;
    private readonly Uri _baseAddress;
    private readonly EarnestClient _requester;
    private readonly Func<ValueTask> _stopServer;
    private readonly List<HttpClient> _clients = [];

    private HttpMarket(Uri baseAddress, Process? serverProcess, Func<ValueTask> stopServer)
    {
        _baseAddress = baseAddress;
        ServerProcess = serverProcess;
        _stopServer = stopServer;
        // One connection pool for all contributors, as a load generator would have; loopback never needs a proxy.
        _handler = new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        _requester = new EarnestClient(NewHttpClient());
    }

    public Process? ServerProcess { get; }

    /// <summary>Starts a server on a fresh data folder, in a child process or in this one, and signs the requester in.</summary>
    public static async Task<HttpMarket> OpenAsync(HttpServerPlacement placement, CancellationToken ct)
    {
        var folder = MarketSetup.NewDataFolder();
        HttpMarket market;
        if (placement == HttpServerPlacement.Child)
        {
            var server = await ChildServer.StartAsync(folder, ct);
            market = new HttpMarket(server.BaseAddress, server.Process, async () =>
            {
                await server.DisposeAsync();
                MarketSetup.DeleteDataFolder(folder);
            });
        }
        else
        {
            var node = await Node.OpenAsync(MarketSetup.NodeOptions(folder));
            var app = EarnestServer.Create(node, MarketSetup.ServerOptions());
            await app.StartAsync(ct);
            market = new HttpMarket(new Uri(EarnestServer.ListeningUrl(app)), null, async () =>
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
                node.Dispose();
                MarketSetup.DeleteDataFolder(folder);
            });
        }
        using var key = WalletKey.Create();
        await market._requester.SignInAsync(key, ct);
        return market;
    }

    public async Task<string> PublishCampaignAsync(string title, IReadOnlyList<NewTask> tasks, int overlap,
        CancellationToken ct)
    {
        await _requester.FaucetAsync(LoopSettings.Budget, ct);
        var campaign = await _requester.CreateCampaignAsync(MarketSetup.Campaign(title, overlap), ct);
        // The server takes a bounded number of tasks per request (its default; the bench starts it so).
        foreach (var chunk in tasks.Chunk(new EarnestOptions().MaxTasksPerRequest))
        {
            await _requester.AddTasksAsync(campaign.Id, chunk, ct);
        }
        await _requester.PublishAsync(campaign.Id, ct);
        return campaign.Id;
    }

    public async Task<IContributor> JoinAsync(CancellationToken ct)
    {
        var client = new EarnestClient(NewHttpClient());
        using var key = WalletKey.Create();
        await client.SignInAsync(key, ct);
        return new Contributor(client);
    }

    public Task<CampaignView> CampaignAsync(string campaignId, CancellationToken ct) =>
        _requester.CampaignAsync(campaignId, ct);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        _handler.Dispose();
        await _stopServer();
    }

    private HttpClient NewHttpClient()
    {
        // Each party has its own HttpClient because the bearer token is a default header; they share the handler.
        var client = new HttpClient(_handler, disposeHandler: false) { BaseAddress = _baseAddress };
        _clients.Add(client);
        return client;
    }

    private sealed class Contributor(EarnestClient client) : IContributor
    {
        public Task<AssignmentView?> LeaseAsync(string campaignId, CancellationToken ct) =>
            client.LeaseAsync(campaignId, ct);

        public Task<SubmissionOutcome> SubmitAsync(string assignmentId, string answer, CancellationToken ct) =>
            client.SubmitAsync(assignmentId, answer, ct);
    }
}

using Earnest.Identity;
using Earnest.Market;
using Microsoft.Extensions.Time.Testing;

namespace Earnest.Tests.Support;

/// <summary>Which store a test node runs on.</summary>
public enum Store
{
    Sqlite,
    Postgres,
}

/// <summary>A node on a fresh SQLite file in a temporary folder (or a fresh PostgreSQL database), with a controllable clock.</summary>
public sealed class TestNode : IAsyncDisposable
{
    private TestNode(Node node, FakeTimeProvider time, string folder)
    {
        Node = node;
        Time = time;
        Folder = folder;
    }

    public Node Node { get; }
    public FakeTimeProvider Time { get; }
    public string Folder { get; }

    public static async Task<TestNode> StartAsync(Action<EarnestOptions>? configure = null, Store store = Store.Sqlite)
    {
        var folder = TempFolder.Create();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        var options = new EarnestOptions { DataFolder = folder };
        configure?.Invoke(options);
        Func<TimeProvider, Earnest.Storage.Database>? open = null;
        if (store == Store.Postgres)
        {
            var connectionString = await PostgresServer.NewDatabaseAsync();
            open = t => Earnest.Postgres.PostgresDatabase.Open(connectionString, t);
        }
        return new TestNode(await Node.OpenAsync(options, time, open), time, folder);
    }

    /// <summary>Audits the node's store as `earnest audit` would (SQLite file, or PostgreSQL through a snapshot).</summary>
    public Earnest.Audit.AuditReport Audit()
    {
        if (Node.Database is Earnest.Postgres.PostgresDatabase postgres)
        {
            using var connection = new Npgsql.NpgsqlConnection(postgres.ConnectionString);
            connection.Open();
            using var snapshot = connection.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
            return Earnest.Audit.Auditor.Run(connection, snapshot, Node.Key.Signer);
        }
        return Earnest.Audit.Auditor.Run(Folder);
    }

    /// <summary>
    /// Audits the node's store as <c>earnest audit --rpc</c> would: the replay, then every final anchor read back from
    /// the Solana node when one is given.
    /// </summary>
    public async Task<Earnest.Audit.AuditReport> AuditAsync(Earnest.Solana.Rpc.SolanaRpcClient? chain)
    {
        if (Node.Database is Earnest.Postgres.PostgresDatabase postgres)
        {
            await using var connection = new Npgsql.NpgsqlConnection(postgres.ConnectionString);
            await connection.OpenAsync();
            await using var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
            return await Earnest.Audit.Auditor.RunAsync(connection, snapshot, Node.Key.Signer, chain);
        }
        return await Earnest.Audit.Auditor.RunAsync(Folder, null, chain);
    }

    /// <summary>A funded requester with a published campaign of the given tasks (id, gold).</summary>
    public async Task<(string Requester, string CampaignId)> PublishedCampaignAsync(
        IReadOnlyList<(string Id, string? Gold)> tasks, long reward = 100, long? budget = null, int overlap = 3,
        string[]? labels = null)
    {
        using var requesterKey = WalletKey.Create();
        var requester = requesterKey.Address;
        var total = budget ?? reward * tasks.Count * (overlap * 2 + 1) * 4;
        (await Node.Funds.FaucetAsync(requester, total, null)).AssertOk();
        var campaign = (await Node.Campaigns.CreateAsync(requester, new CreateCampaign("Test", "Pick one",
            "classification", labels ?? ["yes", "no"], reward, total, overlap, null))).AssertOk();
        (await Node.Campaigns.AddTasksAsync(requester, campaign.Id, tasks.Select(t =>
            new NewTask(t.Id, System.Text.Json.JsonDocument.Parse("{\"text\":\"" + t.Id + "\"}").RootElement, t.Gold))
            .ToList())).AssertOk();
        (await Node.Campaigns.PublishAsync(requester, campaign.Id)).AssertOk();
        return (requester, campaign.Id);
    }

    public static string NewAddress()
    {
        using var key = WalletKey.Create();
        return key.Address;
    }

    public async ValueTask DisposeAsync()
    {
        Node.Dispose();
        await Task.Yield();
        TempFolder.Delete(Folder);
    }
}

public static class OutcomeAssertions
{
    public static T AssertOk<T>(this Outcome<T> outcome)
    {
        Xunit.Assert.True(outcome.IsOk, $"expected success, got {outcome.Error}: {outcome.Detail}");
        return outcome.Value!;
    }

    public static void AssertFails<T>(this Outcome<T> outcome, Failure failure)
    {
        Xunit.Assert.False(outcome.IsOk, $"expected {failure}, but it succeeded");
        Xunit.Assert.Equal(failure, outcome.Error);
    }
}

public static class TempFolder
{
    public static string Create()
    {
        var path = Path.Combine(Path.GetTempPath(), "earnest-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a pooled connection on the way out; the OS temp cleaner takes it.
        }
    }
}

/// <summary>The repository root, found from the test assembly's folder.</summary>
public static class Repository
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Earnest.slnx")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("Earnest.slnx not found above the test folder.");
        }
    }
}

using Dapper;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Market;
using Earnest.Storage;

namespace Earnest;

/// <summary>
/// One Earnest node: the store, the network key and the market's features over them. A server process holds one;
/// tests and the demo hold their own.
/// </summary>
public sealed class Node : IDisposable
{
    /// <summary>File name of the database inside the data folder.</summary>
    public const string DatabaseFile = "earnest.db";

    /// <summary>File name of the network key inside the data folder.</summary>
    public const string KeyFile = "network.key";

    static Node() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    private Node(EarnestOptions options, TimeProvider time)
    {
        Options = options;
        Time = time;
        Directory.CreateDirectory(options.DataFolder);
        Key = NetworkKey.LoadOrCreate(System.IO.Path.Combine(options.DataFolder, KeyFile));
        Database = SqliteDatabase.Open(System.IO.Path.Combine(options.DataFolder, DatabaseFile), time);
        Events = new EventHub();
        SignIn = new SignIn(Database, time, options);
        Funds = new Funds(Database, Key, options, Events);
        Campaigns = new Campaigns(Database, Key, time, options, Events);
        Work = new Work(Database, Key, time, options, Events);
    }

    /// <summary>The settings.</summary>
    public EarnestOptions Options { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The store.</summary>
    public SqliteDatabase Database { get; }

    /// <summary>The key that signs receipts.</summary>
    public NetworkKey Key { get; }

    /// <summary>Live events per account.</summary>
    public EventHub Events { get; }

    /// <summary>Wallet sign-in, tokens, API keys.</summary>
    public SignIn SignIn { get; }

    /// <summary>Accounts, balances, history, faucet.</summary>
    public Funds Funds { get; }

    /// <summary>The requester's side of the market.</summary>
    public Campaigns Campaigns { get; }

    /// <summary>The contributor's side of the market.</summary>
    public Work Work { get; }

    /// <summary>Opens the node's data folder (creating it on first use) and checks the ledger's conservation.</summary>
    public static async Task<Node> OpenAsync(EarnestOptions options, TimeProvider? time = null)
    {
        var node = new Node(options, time ?? TimeProvider.System);
        await node.GenesisAsync().ConfigureAwait(false);
        node.CheckConservation();
        return node;
    }

    private Task GenesisAsync() => Database.WriteAsync(tx => tx.Execute("""
        INSERT INTO assets(symbol, decimals, issuer, created_at) VALUES (@symbol, @decimals, @issuer, @now)
        ON CONFLICT(symbol) DO NOTHING
        """, new
    {
        symbol = Options.DefaultAsset, decimals = Options.DefaultAssetDecimals, issuer = Key.Signer,
        now = tx.NowMicros,
    }));

    /// <summary>Stops the process if, for any asset, the balances do not sum to zero.</summary>
    public void CheckConservation()
    {
        foreach (var (asset, sum) in Database.Read(Postings.Sums))
        {
            Invariant.Check(sum == 0, $"balances of {asset} sum to {sum}, not zero");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Database.Dispose();
        Key.Dispose();
    }
}

using Dapper;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Market;
using Earnest.Settlement;
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

    private Node(EarnestOptions options, TimeProvider time, Func<TimeProvider, Database>? store)
    {
        Options = options;
        Time = time;
        Directory.CreateDirectory(options.DataFolder);
        // First: wrong settlement settings refuse the node before anything is opened.
        Settlement = SettlementAccounts.Open(options);
        Key = NetworkKey.LoadOrCreate(System.IO.Path.Combine(options.DataFolder, KeyFile));
        Database = store?.Invoke(time) ?? SqliteDatabase.Open(System.IO.Path.Combine(options.DataFolder, DatabaseFile), time);
        Chain = new Chain(Database, Key);
        Database.Hook = Chain;
        Events = new EventHub();
        SignIn = new SignIn(Database, time, options);
        Funds = new Funds(Database, Key, Chain, options, Events);
        Issuance = new Issuance(Database, Key, Chain, Events);
        var market = new MarketMemory(Database);
        Campaigns = new Campaigns(Database, Key, Chain, time, options, Events, market);
        Work = new Work(Database, Key, Chain, time, options, Events, market);
        Withdrawals = new Withdrawals(Database, Key, Settlement, Events);
        Deposits = new Deposits(Database, Settlement);
        Anchors = new Anchors(Database);
    }

    /// <summary>The settings.</summary>
    public EarnestOptions Options { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The store: the embedded SQLite file by default, or the one the opener gave (PostgreSQL).</summary>
    public Database Database { get; }

    /// <summary>The key that signs receipts.</summary>
    public NetworkKey Key { get; }

    /// <summary>The chain of signed blocks that seals every transfer.</summary>
    public Chain Chain { get; }

    /// <summary>Requesters' own assets: creation and minting.</summary>
    public Issuance Issuance { get; }

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

    /// <summary>
    /// The network's hot key and the mint of each settled asset, when settlement on Solana is configured; else null.
    /// </summary>
    public SettlementAccounts? Settlement { get; }

    /// <summary>Withdrawals to Solana (the ledger's side; a <see cref="Settler"/> pays them).</summary>
    public Withdrawals Withdrawals { get; }

    /// <summary>Deposit references for deposits from Solana (a <see cref="Settler"/> credits them).</summary>
    public Deposits Deposits { get; }

    /// <summary>The block hashes anchored on Solana.</summary>
    public Anchors Anchors { get; }

    /// <summary>
    /// Opens the node's data folder (creating it on first use; it holds the network key, and the embedded database
    /// unless <paramref name="store"/> opens another) and checks the ledger's conservation.
    /// </summary>
    public static async Task<Node> OpenAsync(EarnestOptions options, TimeProvider? time = null,
        Func<TimeProvider, Database>? store = null)
    {
        var node = new Node(options, time ?? TimeProvider.System, store);
        await node.GenesisAsync().ConfigureAwait(false);
        node.CheckConservation();
        return node;
    }

    /// <summary>
    /// Registers the default asset (issued by the network, no supply cap: the dev faucet mints it), signs the terms of
    /// any asset registered before assets were signed, and, through the commit, seals any transfer not yet in a block.
    /// </summary>
    private Task GenesisAsync() => Database.WriteAsync(tx =>
    {
        Postings.AddAsset(tx, Key, new Asset(Options.DefaultAsset, Options.DefaultAssetDecimals, Key.Signer));
        foreach (var (symbol, decimals, issuer, maxSupply, createdAt) in tx.Query<(string, long, string, long?, long)>(
                     "SELECT symbol, decimals, issuer, max_supply, created_at FROM assets WHERE payload IS NULL").ToList())
        {
            var payload = new Asset(symbol, (int)decimals, issuer, maxSupply).Payload(createdAt);
            tx.Execute("UPDATE assets SET payload = @payload, signature = @signature WHERE symbol = @symbol",
                new { payload, signature = Key.SignBytes(payload), symbol });
        }
        return true;
    });

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
        Settlement?.Dispose();
    }
}

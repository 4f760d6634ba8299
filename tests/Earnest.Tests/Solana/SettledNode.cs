using Dapper;
using Earnest.Settlement;
using Earnest.Solana;
using Earnest.Solana.Programs;
using Earnest.Tests.Support;

namespace Earnest.Tests.Solana;

/// <summary>
/// A test node settled on a LiteSVM chain: a new mint (6 decimals, like EARN) configured for EARN, the node's hot key
/// funded with SOL and holding <c>hotTokens</c> of the mint in its token account, and a <see cref="Settler"/> whose
/// mints are verified. Tests drive the settler's steps one at a time.
/// </summary>
internal sealed class SettledNode : IAsyncDisposable
{
    private SettledNode(TestNode test, LiteSvmFixture chain, Settler settler, PublicKey mint)
    {
        Test = test;
        Chain = chain;
        Settler = settler;
        Mint = mint;
    }

    public TestNode Test { get; }
    public Node Node => Test.Node;
    public LiteSvmFixture Chain { get; }
    public Settler Settler { get; }
    public PublicKey Mint { get; }
    public PublicKey HotWallet => Settler.Accounts.HotWallet;
    public PublicKey HotTokenAccount => Settler.Accounts.TokenAccount(Mint);

    public static async Task<SettledNode> StartAsync(LiteSvmFixture chain, ulong hotTokens = 1_000_000_000_000,
        Action<SettlementOptions>? configure = null, Store store = Store.Sqlite, byte decimals = 6)
    {
        var mint = await chain.CreateMintAsync(decimals);
        var test = await TestNode.StartAsync(o =>
        {
            o.Settlement.RpcUrl = chain.Url.ToString();
            o.Settlement.Mints["EARN"] = mint.ToString();
            configure?.Invoke(o.Settlement);
        }, store);
        var hot = test.Node.Settlement!.HotWallet;
        await chain.AirdropAsync(hot, 1_000_000_000_000);
        var account = await chain.CreateTokenAccountAsync(mint, hot);
        if (hotTokens > 0)
        {
            await chain.MintToAsync(mint, account, hotTokens);
        }
        var settler = new Settler(test.Node, chain.Client);
        await settler.VerifyAsync();
        return new SettledNode(test, chain, settler, mint);
    }

    /// <summary>The token balance of a wallet's associated token account for the mint; null when it has none.</summary>
    public async Task<ulong?> TokensOfAsync(PublicKey wallet)
    {
        var account = AssociatedTokenProgram.Address(wallet, Mint);
        return await Chain.Client.GetAccountInfoAsync(account) is null
            ? null
            : (await Chain.Client.GetTokenAccountBalanceAsync(account)).Amount;
    }

    /// <summary>The hot key's token balance.</summary>
    public async Task<ulong> HotTokensAsync() => (await Chain.Client.GetTokenAccountBalanceAsync(HotTokenAccount)).Amount;

    /// <summary>A stored withdrawal.</summary>
    public WithdrawalRow Row(string id) => Node.Database.Read(c =>
        c.QuerySingle<WithdrawalRow>("SELECT * FROM withdrawals WHERE id = @id", new { id }));

    /// <summary>Every balance of the ledger, for "nothing moved" comparisons.</summary>
    public IReadOnlyDictionary<(string, string), long> Balances() => Node.Database.Read(c =>
        c.Query<(string Account, string Asset, long Amount)>("SELECT account, asset, amount FROM balances")
            .ToDictionary(b => (b.Account, b.Asset), b => b.Amount));

    public ValueTask DisposeAsync() => Test.DisposeAsync();
}

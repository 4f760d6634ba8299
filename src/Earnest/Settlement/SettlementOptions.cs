using Earnest.Solana;
using Earnest.Solana.Rpc;

namespace Earnest.Settlement;

/// <summary>
/// Settlement on Solana (docs/solana.md): where the cluster is, which SPL mint stands for each asset, the hot key that
/// pays fees and holds the tokens, and how often and how much the settler does. Bound from <c>EARNEST_Settlement__…</c>
/// environment variables (for example <c>EARNEST_Settlement__RpcUrl</c>, <c>EARNEST_Settlement__Mints__EARN</c>).
/// </summary>
public sealed class SettlementOptions
{
    /// <summary>The Solana node's JSON-RPC URL; empty: no settlement (nothing is sent, no anchor is written).</summary>
    public string RpcUrl { get; set; } = "";

    /// <summary>
    /// The SPL mint of each asset that can be withdrawn and deposited (asset symbol → mint address). An asset's
    /// decimals must equal its mint's; an asset without a mint stays on the ledger.
    /// </summary>
    public Dictionary<string, string> Mints { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The hot key file (base58 secret or a Solana CLI JSON array): it pays every fee, signs every transaction and owns
    /// the token accounts withdrawals are paid from and deposits are paid into. Empty: <c>settlement.key</c> in the data
    /// folder, created (mode 600) on first use.
    /// </summary>
    public string HotKeyFile { get; set; } = "";

    /// <summary>
    /// How settled a transaction must be before a withdrawal is final (or returned) and a deposit is credited; also the
    /// commitment of every read and of sendTransaction's preflight. Finalized: nothing credited can be rolled back.
    /// </summary>
    public Commitment Commitment { get; set; } = Commitment.Finalized;

    /// <summary>The head block's hash is written on chain each time the ledger grows by this many blocks; 0: never.</summary>
    public int AnchorEveryBlocks { get; set; } = 100;

    /// <summary>How often the server's settler runs (sends, confirms, scans deposits, anchors).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most withdrawals in one transaction. The packet limit decides below it: 20 transfers to existing token
    /// accounts, or 10 that create the account first, fit 1232 bytes.
    /// </summary>
    public int BatchLimit { get; set; } = 20;

    /// <summary>The most withdrawal transactions one run sends (per asset).</summary>
    public int MaxTransactionsPerRun { get; set; } = 16;

    /// <summary>
    /// Send without the node's simulation. Off by default: a transaction the simulation refuses costs nothing and is
    /// tried again over a new blockhash once its own has expired. On, a failing transaction lands, pays its fee and
    /// returns its withdrawals to their owners.
    /// </summary>
    public bool SkipPreflight { get; set; }

    /// <summary>True when a settler should run: a node to talk to is configured.</summary>
    public bool Enabled => RpcUrl.Length > 0;

    /// <summary>Whatever is wrong with the settings, one message per problem naming the setting; empty when they work.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (RpcUrl.Length > 0 && (!Uri.TryCreate(RpcUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            problems.Add($"Settlement:RpcUrl must be an http or https URL, not '{RpcUrl}'.");
        }
        if (Mints.Count > 0 && RpcUrl.Length == 0)
        {
            problems.Add("Settlement:RpcUrl is required when Settlement:Mints names a mint: withdrawals would never be sent.");
        }
        foreach (var (asset, mint) in Mints.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            try
            {
                PublicKey.Parse(mint);
            }
            catch (FormatException e)
            {
                problems.Add($"Settlement:Mints:{asset}: {e.Message}");
            }
        }
        if (AnchorEveryBlocks < 0)
        {
            problems.Add($"Settlement:AnchorEveryBlocks is {AnchorEveryBlocks}; it is a number of blocks, or 0 for no anchors.");
        }
        if (Interval <= TimeSpan.Zero)
        {
            problems.Add($"Settlement:Interval is {Interval}; it must be positive.");
        }
        if (BatchLimit is < 1 or > TransactionLimits.MaxInstructions / 2)
        {
            problems.Add($"Settlement:BatchLimit is {BatchLimit}; it is 1 to {TransactionLimits.MaxInstructions / 2} withdrawals per transaction.");
        }
        if (MaxTransactionsPerRun < 1)
        {
            problems.Add($"Settlement:MaxTransactionsPerRun is {MaxTransactionsPerRun}; at least one transaction per run.");
        }
        return problems;
    }
}

using Earnest.Storage;

namespace Earnest.Ledger;

/// <summary>An account's balance in one asset.</summary>
public sealed record BalanceView(string Asset, long Amount);

/// <summary>An account and its balances.</summary>
public sealed record AccountView(string Address, IReadOnlyList<BalanceView> Balances);

/// <summary>A transfer as clients see it, with its receipt.</summary>
public sealed record TransferView(string Id, string Debit, string Credit, string Asset, long Amount,
    DateTimeOffset Timestamp, string Kind, string? Ref, Receipt Receipt)
{
    /// <summary>The view of a committed transfer, its receipt carrying the block and Merkle proof.</summary>
    public static TransferView Of(SignedTransfer s, Chain chain) => Of(s, chain.ReceiptOf(s));

    /// <summary>The view of a transfer with a receipt already made.</summary>
    public static TransferView Of(SignedTransfer s, Receipt receipt) => new(s.Transfer.Id, s.Transfer.Debit,
        s.Transfer.Credit, s.Transfer.Asset, s.Transfer.Amount, s.Transfer.Timestamp, s.Transfer.Kind, s.Transfer.Ref,
        receipt);
}

/// <summary>A payment made to the caller.</summary>
/// <param name="TransferId">The transfer's id.</param>
/// <param name="Amount">Base units paid.</param>
/// <param name="Asset">The asset.</param>
/// <param name="Receipt">The receipt, with its block and Merkle proof.</param>
/// <param name="Result">
/// <c>posted</c> when this request made the transfer; <c>exists</c> when a transfer with its id was already made (a
/// retry): the answer is then the original, and nothing was paid again.
/// </param>
public sealed record PaymentView(string TransferId, long Amount, string Asset, Receipt Receipt, string Result = "posted")
{
    /// <summary>The result of a request that made its transfer.</summary>
    public const string Posted = "posted";

    /// <summary>The result of a retry: the transfer existed and is answered as it was.</summary>
    public const string Exists = "exists";

    /// <summary>The view of a committed transfer, its receipt carrying the block and Merkle proof.</summary>
    public static PaymentView Of(SignedTransfer s, Chain chain) =>
        new(s.Transfer.Id, s.Transfer.Amount, s.Transfer.Asset, chain.ReceiptOf(s));
}

/// <summary>Accounts, balances, history and the dev-network faucet.</summary>
public sealed class Funds(Database database, NetworkKey key, Chain chain, EarnestOptions options, EventHub events)
{
    /// <summary>Transfers returned by one page of history at most.</summary>
    public const int MaxPage = 500;

    /// <summary>The registered assets.</summary>
    public IReadOnlyList<Asset> Assets() => database.Read(Postings.Assets);

    /// <summary>The default asset.</summary>
    public Asset DefaultAsset() => Assets().Single(a => a.Symbol == options.DefaultAsset);

    /// <summary>An account and its balance in every asset.</summary>
    public AccountView Account(string address) =>
        new(address, database.Read(c => Postings.Balances(c, address))
            .Select(b => new BalanceView(b.Asset, b.Amount)).ToList());

    /// <summary>One balance.</summary>
    public long Balance(string account, string asset) =>
        database.Read(c => Postings.Balances(c, account)).FirstOrDefault(b => b.Asset == asset).Amount;

    /// <summary>An account's transfers, newest first, older than <paramref name="after"/> when given.</summary>
    public Outcome<IReadOnlyList<TransferView>> History(string address, string? after, int? limit)
    {
        var validation = new Validation()
            .Require(limit is null or (>= 1 and <= MaxPage), "limit", $"A page holds 1 to {MaxPage} transfers.")
            .Require(after is null || Postings.IsValidId(after), "after", "after is the id of a transfer.");
        if (!validation.IsValid)
        {
            return Problem.Invalid(validation);
        }
        return database.Read(c => Postings.History(c, address, after, limit ?? 100, key)
            .Select(s => TransferView.Of(s, chain.ReceiptOf(c, s)))
            .ToList());
    }

    /// <summary>One transfer with its receipt, when the caller is a party to it.</summary>
    public Outcome<TransferView> Find(string caller, string transferId)
    {
        var found = Postings.IsValidId(transferId) ? database.Read(c => Postings.Find(c, transferId, key)) : null;
        if (found is null || (found.Transfer.Debit != caller && found.Transfer.Credit != caller))
        {
            return Problem.Of(Failure.NotFound, "No such transfer of yours.");
        }
        return TransferView.Of(found, chain);
    }

    /// <summary>The receipt of one of the caller's transfers, with its block and Merkle proof.</summary>
    public Outcome<Receipt> Receipt(string caller, string transferId)
    {
        return Find(caller, transferId).Map(found => found.Receipt);
    }

    /// <summary>
    /// Mints the default asset to the caller on a dev network. <paramref name="id"/> makes a retry safe; without it
    /// every call is a new transfer.
    /// </summary>
    public async Task<Outcome<PaymentView>> FaucetAsync(string address, long amount, string? id,
        CancellationToken ct = default)
    {
        if (!options.DevNetwork)
        {
            return Problem.Of(Failure.Forbidden, "The faucet exists only on a dev network.");
        }
        var asset = DefaultAsset();
        var cap = checked(options.FaucetMaxWholeUnits * asset.OneUnit);
        var validation = new Validation()
            .Require(amount > 0, "amount", "The amount is a positive number of base units.")
            .Require(amount <= cap, "amount", $"The faucet gives at most {cap} base units ({options.FaucetMaxWholeUnits} {asset.Symbol}) per call.")
            .Require(id is null || Postings.ClientIdProblem(id) is null, "id", id is null ? "" : Postings.ClientIdProblem(id) ?? "");
        if (!validation.IsValid)
        {
            return Problem.Invalid(validation);
        }
        var transferId = id ?? "faucet:" + Guid.CreateVersion7().ToString("N");
        var request = new TransferRequest(transferId, SystemAccounts.Issuance(asset.Symbol), address, asset.Symbol,
            amount, TransferKinds.Mint, null);
        return await MintAsync(database, key, chain, events, request, () => "", ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Posts a mint and answers the payment: the original on a retry, a conflict (with
    /// <paramref name="aboveCap"/>'s text when the supply cap is the reason) otherwise; the credited account hears
    /// of a new payment once its commit is durable.
    /// </summary>
    internal static async Task<Outcome<PaymentView>> MintAsync(Database database, NetworkKey key, Chain chain,
        EventHub events, TransferRequest request, Func<string> aboveCap, CancellationToken ct)
    {
        var (result, posted) = await database.WriteAsync(tx =>
        {
            var r = Postings.Post(tx, key, request, out var p);
            return (r, p);
        }, ct).ConfigureAwait(false);
        switch (result)
        {
            case TransferResult.Ok:
                events.Publish(request.Credit, new MarketEvent("payment", TransferView.Of(posted!, chain)));
                return PaymentView.Of(posted!, chain);
            case TransferResult.Exists:
                return PaymentView.Of(posted!, chain) with { Result = PaymentView.Exists };
            case TransferResult.ExceedsMaxSupply:
                return Problem.Of(Failure.Conflict, aboveCap());
            default:
                return Problem.Of(Failure.Conflict, $"The transfer was not made: {result}.");
        }
    }
}

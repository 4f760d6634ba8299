using System.Text.RegularExpressions;
using Earnest.Storage;

namespace Earnest.Ledger;

/// <summary>Body of an asset's creation: its symbol, decimals and maximum supply in base units.</summary>
public sealed record CreateAsset(string? Symbol, int? Decimals, long? MaxSupply);

/// <summary>Body of a mint: base units, the account credited (the issuer when absent), an optional transfer id.</summary>
public sealed record MintRequest(long? Amount, string? To, string? Id);

/// <summary>An asset as clients see it, with the supply minted so far.</summary>
public sealed record AssetView(string Symbol, int Decimals, string Issuer, long? MaxSupply, long Supply);

/// <summary>
/// Requesters' own assets: anyone signed in may issue an asset (a new symbol, its decimals and a maximum supply);
/// only its issuer mints it, and never above the maximum. Campaigns can be funded in any asset and contributors hold
/// any number of them; conservation holds per asset.
/// </summary>
public sealed partial class Issuance(Database database, NetworkKey key, Chain chain, EventHub events)
{
    /// <summary>The most decimals an asset may declare (10^18 still fits a <c>long</c>).</summary>
    public const int MaxDecimals = 18;

    [GeneratedRegex("^[A-Z][A-Z0-9]{1,11}$")]
    private static partial Regex SymbolPattern();

    /// <summary>Every asset with its supply.</summary>
    public IReadOnlyList<AssetView> List() => database.Read(c =>
        Postings.Assets(c).Select(a => View(a, Postings.Balances(c, SystemAccounts.Issuance(a.Symbol))
            .FirstOrDefault(b => b.Asset == a.Symbol).Amount)).ToList());

    /// <summary>Issues a new asset whose issuer is the caller; nothing is minted yet.</summary>
    public async Task<Outcome<AssetView>> CreateAsync(string issuer, CreateAsset body, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var validation = new Validation()
            .Require(body.Symbol is not null && SymbolPattern().IsMatch(body.Symbol), "symbol",
                "A symbol is 2 to 12 characters: an upper-case letter, then upper-case letters or digits.")
            .Require(body.Decimals is >= 0 and <= MaxDecimals, "decimals", $"Decimals are 0 to {MaxDecimals}.")
            .Require(body.MaxSupply is > 0, "maxSupply", "The maximum supply is a positive number of base units.");
        if (!validation.IsValid)
        {
            return Problem.Invalid(validation);
        }
        var asset = new Asset(body.Symbol!, body.Decimals!.Value, issuer, body.MaxSupply!.Value);
        var added = await database.WriteAsync(tx => Postings.AddAsset(tx, key, asset), ct).ConfigureAwait(false);
        return added ? View(asset, 0) : Problem.Of(Failure.Conflict, $"The symbol {asset.Symbol} is taken.");
    }

    /// <summary>
    /// Mints base units of an asset to an account. Only the issuer mints; a retry with the same id answers the
    /// original transfer; the supply never passes the maximum.
    /// </summary>
    public async Task<Outcome<PaymentView>> MintAsync(string caller, string symbol, MintRequest body,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var asset = database.Read(Postings.Assets).FirstOrDefault(a => a.Symbol == symbol);
        if (asset is null)
        {
            return Problem.Of(Failure.NotFound, $"No asset {symbol}.");
        }
        if (asset.Issuer != caller)
        {
            return Problem.Of(Failure.Forbidden, $"Only the issuer of {symbol} mints it.");
        }
        var to = body.To ?? caller;
        var validation = new Validation()
            .Require(body.Amount is > 0, "amount", "The amount is a positive number of base units.")
            .Require(Identity.WalletAddress.IsValid(to), "to", "The account credited is a wallet address.")
            .Require(body.Id is null || Postings.ClientIdProblem(body.Id) is null, "id",
                body.Id is null ? "" : Postings.ClientIdProblem(body.Id) ?? "");
        if (!validation.IsValid)
        {
            return Problem.Invalid(validation);
        }
        var request = new TransferRequest(body.Id ?? "mint:" + Guid.CreateVersion7().ToString("N"),
            SystemAccounts.Issuance(symbol), to, symbol, body.Amount!.Value, TransferKinds.Mint, null);
        return await Funds.MintAsync(database, key, chain, events, request,
            () => $"Minting {body.Amount} would take {symbol} above its maximum supply of {asset.MaxSupply}.", ct)
            .ConfigureAwait(false);
    }

    private static AssetView View(Asset a, long issuanceBalance) =>
        new(a.Symbol, a.Decimals, a.Issuer, a.MaxSupply, -issuanceBalance);
}

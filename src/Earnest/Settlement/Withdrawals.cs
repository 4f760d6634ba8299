using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Solana;
using Earnest.Storage;

namespace Earnest.Settlement;

/// <summary>Body of a withdrawal: the asset, base units, the Solana wallet paid, and the client's id for it.</summary>
public sealed record WithdrawalRequest(string? Asset, long? Amount, string? To, string? Id);

/// <summary>A withdrawal as clients see it.</summary>
/// <param name="Id">The client's id.</param>
/// <param name="Asset">The asset.</param>
/// <param name="Amount">Base units.</param>
/// <param name="To">The wallet paid (its associated token account for the asset's mint receives the tokens).</param>
/// <param name="Status"><c>pending</c>, <c>sent</c>, <c>final</c> or <c>returned</c>.</param>
/// <param name="Signature">The Solana transaction paying it (while sent, and once final or returned by it).</param>
/// <param name="Attempts">Transactions built for it so far (a new one only once the previous one can no longer land).</param>
/// <param name="LastError">Why the last transaction did not pay it, when one did not.</param>
/// <param name="TransferId">The ledger transfer that moved the amount out of the owner's balance.</param>
/// <param name="ReturnTransferId">The ledger transfer that gave it back, once returned.</param>
/// <param name="CreatedAt">When it was asked for.</param>
/// <param name="UpdatedAt">When its status last changed.</param>
/// <param name="Result"><c>posted</c> when this request made it, <c>exists</c> for a retry answered with the original.</param>
public sealed record WithdrawalView(string Id, string Asset, long Amount, string To, string Status, string? Signature,
    long Attempts, string? LastError, string TransferId, string? ReturnTransferId, DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt, string Result = PaymentView.Posted)
{
    internal static WithdrawalView Of(WithdrawalRow row, string result = PaymentView.Posted) => new(row.Id, row.Asset,
        row.Amount, row.Destination, row.Status, row.Signature, row.Attempts, row.LastError, Withdrawals.TransferId(row.Id),
        row.Status == WithdrawalStatus.Returned ? Withdrawals.ReturnId(row.Id) : null, Time.FromMicros(row.CreatedAt),
        Time.FromMicros(row.UpdatedAt), result);
}

/// <summary>
/// Withdrawals to Solana, the ledger's side: a withdrawal moves its amount from the owner into the asset's settlement
/// account at once (<c>withdraw:&lt;id&gt;</c>), and the <see cref="Settler"/> pays it on chain. The client's id makes a
/// retry safe: the same id with the same fields answers the original, with other fields a conflict.
/// </summary>
public sealed class Withdrawals(Database database, NetworkKey key, SettlementAccounts? accounts, EventHub events)
{
    /// <summary>The longest withdrawal id (its ledger transfer id adds <c>withdraw:</c>).</summary>
    public const int MaxIdLength = Postings.MaxIdLength - 9;

    /// <summary>Withdrawals in one page of a list at most.</summary>
    public const int MaxPage = 500;

    /// <summary>The ledger transfer moving a withdrawal into the settlement account.</summary>
    public static string TransferId(string id) => "withdraw:" + id;

    /// <summary>The ledger transfer taking a final withdrawal out of the ledger's supply.</summary>
    public static string SettleId(string id) => "settle:" + id;

    /// <summary>The ledger transfer giving a definitively failed withdrawal back to its owner.</summary>
    public static string ReturnId(string id) => "return:" + id;

    /// <summary>
    /// Asks for a withdrawal: checks every field (422 naming each), then, in one commit, answers a retry of the same id
    /// with the original, refuses the id with other fields (409), refuses an amount above the balance (409), or moves
    /// the amount into the settlement account and records the withdrawal as pending. A refusal changes nothing.
    /// </summary>
    public async Task<Outcome<WithdrawalView>> RequestAsync(string owner, WithdrawalRequest body, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var validation = Validate(body);
        if (!validation.IsValid)
        {
            return Problem.Invalid(validation);
        }
        var (asset, amount, to, id) = (body.Asset!, body.Amount!.Value, body.To!, body.Id!);
        var outcome = await database.WriteAsync<Outcome<WithdrawalView>>(tx =>
        {
            var existing = tx.QuerySingleOrDefault<WithdrawalRow>("SELECT * FROM withdrawals WHERE id = @id", new { id });
            if (existing is not null)
            {
                return Retry(existing, owner, asset, amount, to);
            }
            var request = new TransferRequest(TransferId(id), owner, SystemAccounts.Settlement(asset), asset, amount,
                TransferKinds.Withdraw, id);
            var result = Postings.Post(tx, key, request, out _);
            if (result == TransferResult.InsufficientFunds)
            {
                var balance = Postings.Balance(tx, owner, asset);
                return Problem.Of(Failure.Conflict,
                    $"The withdrawal is {amount} {asset} base units but the balance is {balance}.");
            }
            Invariant.Check(result == TransferResult.Ok, $"withdrawal {id} failed to post: {result}");
            var row = new WithdrawalRow
            {
                Id = id, Owner = owner, Asset = asset, Amount = amount, Destination = to, Status = WithdrawalStatus.Pending,
                CreatedAt = tx.NowMicros, UpdatedAt = tx.NowMicros,
            };
            tx.Execute("""
                INSERT INTO withdrawals(id, owner, asset, amount, destination, status, attempts, created_at, updated_at)
                VALUES (@Id, @Owner, @Asset, @Amount, @Destination, @Status, 0, @CreatedAt, @UpdatedAt)
                """, row);
            return WithdrawalView.Of(row);
        }, ct).ConfigureAwait(false);
        if (outcome.IsOk && outcome.Value!.Result == PaymentView.Posted)
        {
            events.Publish(owner, new MarketEvent("withdrawal", outcome.Value));
        }
        return outcome;
    }

    /// <summary>One of the owner's withdrawals.</summary>
    public Outcome<WithdrawalView> Get(string owner, string id)
    {
        var row = Postings.IsValidId(id)
            ? database.Read(c => Dapper.SqlMapper.QuerySingleOrDefault<WithdrawalRow>(c,
                "SELECT * FROM withdrawals WHERE id = @id", new { id }))
            : null;
        return row is null || row.Owner != owner
            ? Problem.Of(Failure.NotFound, "No such withdrawal of yours.")
            : WithdrawalView.Of(row);
    }

    /// <summary>The owner's withdrawals, newest first.</summary>
    public Outcome<IReadOnlyList<WithdrawalView>> List(string owner, int? limit)
    {
        if (limit is not null and (< 1 or > MaxPage))
        {
            return Problem.Invalid(new Validation().Require(false, "limit", $"A page holds 1 to {MaxPage} withdrawals."));
        }
        return database.Read(c => Dapper.SqlMapper.Query<WithdrawalRow>(c, """
                SELECT * FROM withdrawals WHERE owner = @owner ORDER BY created_at DESC, id DESC LIMIT @limit
                """, new { owner, limit = limit ?? 100 }).Select(r => WithdrawalView.Of(r)).ToList());
    }

    private Validation Validate(WithdrawalRequest body)
    {
        var validation = new Validation();
        if (body.Asset is null)
        {
            validation.Require(false, "asset", "The asset is required.");
        }
        else if (!database.Read(Postings.Assets).Any(a => a.Symbol == body.Asset))
        {
            validation.Require(false, "asset", $"No asset {body.Asset} on this network.");
        }
        else if (accounts is null || !accounts.TryMint(body.Asset, out _))
        {
            validation.Require(false, "asset", $"{body.Asset} has no Solana mint configured on this network: it cannot be withdrawn.");
        }
        validation.Require(body.Amount is > 0, "amount", body.Amount is null
            ? "The amount is required."
            : $"The amount is a positive number of base units, not {body.Amount}.");
        validation.Require(DestinationProblem(body.To) is null, "to", DestinationProblem(body.To) ?? "");
        validation.Require(body.Id is not null && Postings.IsValidId(body.Id) && body.Id.Length <= MaxIdLength, "id",
            body.Id is null
                ? "The id is required: a retry with the same id never pays twice."
                : $"A withdrawal id is 1 to {MaxIdLength} characters of A-Z a-z 0-9 : _ . -");
        return validation;
    }

    /// <summary>Why a destination cannot be paid; null when it is a wallet address.</summary>
    public static string? DestinationProblem(string? to)
    {
        if (to is null)
        {
            return "The destination wallet is required.";
        }
        PublicKey key;
        try
        {
            key = PublicKey.Parse(to);
        }
        catch (FormatException e)
        {
            return e.Message;
        }
        return key.IsOnCurve
            ? null
            : $"{to} is not on the Ed25519 curve: it is a program-derived address, which no wallet can sign for. " +
              "Withdraw to a wallet address (its token account is derived from it).";
    }

    private static Outcome<WithdrawalView> Retry(WithdrawalRow existing, string owner, string asset, long amount, string to)
    {
        if (existing.Owner != owner)
        {
            return Problem.Of(Failure.Conflict, $"The id {existing.Id} is taken by another withdrawal.");
        }
        return existing.Asset == asset && existing.Amount == amount && existing.Destination == to
            ? WithdrawalView.Of(existing, PaymentView.Exists)
            : Problem.Of(Failure.Conflict,
                $"Withdrawal {existing.Id} exists with other fields ({existing.Amount} {existing.Asset} to {existing.Destination}); " +
                "a retry must repeat them, a new withdrawal needs a new id.");
    }
}

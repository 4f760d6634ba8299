using System.Data.Common;
using Dapper;
using Earnest.Storage;

namespace Earnest.Ledger;

/// <summary>
/// A posted transfer, its place in the ledger's sequence and its receipt (signed when first asked for: Ed25519 is
/// deterministic, so it is the same bytes whenever it is made).
/// </summary>
public sealed class SignedTransfer(long seq, Transfer transfer, byte[] payload, NetworkKey key)
{
    private Receipt? _receipt;

    /// <summary>The transfer's sequence number in the ledger.</summary>
    public long Seq { get; } = seq;

    /// <summary>The transfer.</summary>
    public Transfer Transfer { get; } = transfer;

    /// <summary>The exact signed bytes.</summary>
    public byte[] Payload { get; } = payload;

    /// <summary>The receipt without its block: the payload, the network's signature over it and the network's key.</summary>
    public Receipt Receipt => _receipt ??= key.Receipt(Payload);
}

/// <summary>
/// The ledger's writes and reads, always inside the caller's transaction: posting a transfer, balances, history.
/// Rules (TigerBeetle's): transfers are never updated or deleted; the client chooses the id, so a retry answers
/// <see cref="TransferResult.Exists"/>; no balance but an issuance account's goes negative; per asset the balances
/// always sum to zero (the issuance account holds minus the supply).
/// </summary>
public static class Postings
{
    /// <summary>The longest transfer id.</summary>
    public const int MaxIdLength = 128;

    /// <summary>True when a transfer id is 1–128 characters of [A-Za-z0-9:_.-].</summary>
    public static bool IsValidId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxIdLength &&
        id.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '.' or '-');

    /// <summary>
    /// The prefixes of the ids the engine derives itself (a payout's from its submission, a withdrawal's settlement
    /// from the withdrawal, a deposit's from its Solana signature). A client may not choose such an id: taken first,
    /// it would block, or pose as, the engine's own transfer.
    /// </summary>
    public static readonly IReadOnlyList<string> ReservedPrefixes =
        ["payout:", "fund:", "refund:", "withdraw:", "settle:", "return:", "deposit:"];

    /// <summary>True when a client-chosen id starts with one of <see cref="ReservedPrefixes"/>.</summary>
    public static bool IsReservedId(string id) =>
        ReservedPrefixes.Any(p => id.StartsWith(p, StringComparison.Ordinal));

    /// <summary>The message refusing a client-chosen id that is not valid or is reserved; null when it may be used.</summary>
    public static string? ClientIdProblem(string id) =>
        !IsValidId(id) ? "A transfer id is 1 to 128 characters of A-Z a-z 0-9 : _ . -"
        : IsReservedId(id) ? $"Ids starting with {string.Join(", ", ReservedPrefixes)} are the engine's own."
        : null;

    /// <summary>
    /// Posts a transfer, or answers why not. On anything but <see cref="TransferResult.Ok"/> nothing was written;
    /// on <see cref="TransferResult.Exists"/> <paramref name="posted"/> is the original. The common path is one
    /// entry in the writer's state, which the commit writes to the log: balances and assets come from it (<see cref="LedgerState"/>).
    /// </summary>
    public static TransferResult Post(StoreTx tx, NetworkKey key, TransferRequest request, out SignedTransfer? posted)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(request);
        posted = null;
        if (!IsValidId(request.Id))
        {
            return TransferResult.IdInvalid;
        }
        if (request.Amount <= 0)
        {
            return TransferResult.AmountMustBePositive;
        }
        if (string.Equals(request.Debit, request.Credit, StringComparison.Ordinal))
        {
            return TransferResult.AccountsMustDiffer;
        }
        var state = StateOf(tx);
        if (!state.TryAsset(tx, request.Asset, out var maxSupply))
        {
            return TransferResult.AssetNotFound;
        }
        var issuance = SystemAccounts.IsIssuance(request.Debit);
        var debitBefore = state.Balance(tx, request.Debit, request.Asset);
        var insufficient = !issuance && debitBefore < request.Amount;
        var aboveCap = issuance && maxSupply is { } max && request.Amount > max + debitBefore;
        if (insufficient || aboveCap)
        {
            // A retry of a transfer made when the funds were there is still answered as a retry.
            var original = state.Find(tx, request.Id, key);
            if (original is not null)
            {
                return Retry(original, request, out posted);
            }
            return insufficient ? TransferResult.InsufficientFunds : TransferResult.ExceedsMaxSupply;
        }
        var transfer = new Transfer(request.Id, request.Debit, request.Credit, request.Asset, request.Amount,
            tx.NextTimestamp(), request.Kind, request.Ref);
        var payload = transfer.Payload();
        if (state.Insert(tx, transfer, payload) is not { } seq)
        {
            return Retry(state.Find(tx, request.Id, key)!, request, out posted);
        }
        var creditBefore = state.Balance(tx, request.Credit, request.Asset);
        var debitAfter = checked(debitBefore - request.Amount);
        var creditAfter = checked(creditBefore + request.Amount);
        Invariant.Check(debitAfter >= 0 || issuance, $"transfer {request.Id} left {request.Debit} negative");
        state.SetBalance(request.Debit, request.Asset, debitAfter);
        state.SetBalance(request.Credit, request.Asset, creditAfter);
        posted = new SignedTransfer(seq, transfer, payload, key);
        return TransferResult.Ok;
    }

    /// <summary>The answer to a request whose id is taken: a retry when every field matches, else a conflict.</summary>
    private static TransferResult Retry(SignedTransfer original, TransferRequest request, out SignedTransfer? posted)
    {
        var t = original.Transfer;
        var same = t.Debit == request.Debit && t.Credit == request.Credit && t.Asset == request.Asset &&
                   t.Amount == request.Amount && t.Kind == request.Kind && t.Ref == request.Ref;
        posted = same ? original : null;
        return same ? TransferResult.Exists : TransferResult.ExistsWithDifferentFields;
    }

    private static LedgerState StateOf(StoreTx tx) => (tx.Hook as Chain)?.State ??
        throw new InvalidOperationException("the ledger posts only through a node's writer, whose chain keeps its state");

    /// <summary>The balance of an account in an asset (zero when it never held any), as the transaction sees it.</summary>
    public static long Balance(StoreTx tx, string account, string asset) => StateOf(tx).Balance(tx, account, asset);

    /// <summary>A transfer with its receipt, or null.</summary>
    public static SignedTransfer? Find(DbConnection connection, string id, NetworkKey key,
        DbTransaction? transaction = null)
    {
        var row = connection.QuerySingleOrDefault<TransferRow>(
            "SELECT * FROM transfers WHERE id = @id", new { id }, transaction);
        return row?.ToSigned(key);
    }

    /// <summary>
    /// An account's transfers, newest first, at most <paramref name="limit"/>, older than the transfer
    /// <paramref name="after"/> when given (keyset paging).
    /// </summary>
    public static IReadOnlyList<SignedTransfer> History(DbConnection connection, string account, string? after,
        int limit, NetworkKey key)
    {
        long? afterSeq = after is null
            ? null
            : connection.ExecuteScalar<long?>("SELECT seq FROM transfers WHERE id = @after", new { after });
        if (after is not null && afterSeq is null)
        {
            return [];
        }
        var rows = connection.Query<TransferRow>("""
            SELECT * FROM (
                SELECT * FROM transfers WHERE debit = @account AND seq < @before
                UNION ALL
                SELECT * FROM transfers WHERE credit = @account AND seq < @before) AS mine
            ORDER BY seq DESC LIMIT @limit
            """, new { account, before = afterSeq ?? long.MaxValue, limit });
        return rows.Select(r => r.ToSigned(key)).ToList();
    }

    /// <summary>Every balance of an account, by asset, including assets it never held (at zero).</summary>
    public static IReadOnlyList<(string Asset, long Amount)> Balances(DbConnection connection, string account) =>
        connection.Query<(string, long)>("""
            SELECT a.symbol, COALESCE(b.amount, 0) FROM assets a
            LEFT JOIN balances b ON b.asset = a.symbol AND b.account = @account
            ORDER BY a.symbol
            """, new { account }).ToList();

    /// <summary>The registered assets.</summary>
    public static IReadOnlyList<Asset> Assets(DbConnection connection) =>
        connection.Query<(string Symbol, long Decimals, string Issuer, long? MaxSupply)>(
                "SELECT symbol, decimals, issuer, max_supply FROM assets ORDER BY symbol")
            .Select(a => new Asset(a.Symbol, (int)a.Decimals, a.Issuer, a.MaxSupply)).ToList();

    /// <summary>Registers an asset with the network's signed record of its terms; false when the symbol is taken.</summary>
    public static bool AddAsset(StoreTx tx, NetworkKey key, Asset asset)
    {
        var payload = asset.Payload(tx.NowMicros);
        return tx.Execute("""
            INSERT INTO assets(symbol, decimals, issuer, created_at, max_supply, payload, signature)
            VALUES (@Symbol, @Decimals, @Issuer, @now, @MaxSupply, @payload, @signature)
            ON CONFLICT(symbol) DO NOTHING
            """, new
        {
            asset.Symbol, asset.Decimals, asset.Issuer, now = tx.NowMicros, asset.MaxSupply, payload,
            signature = key.SignBytes(payload),
        }) == 1;
    }

    /// <summary>Per asset, the sum of all balances; conservation says each is zero.</summary>
    public static IReadOnlyDictionary<string, long> Sums(DbConnection connection) =>
        connection.Query<(string Asset, long Sum)>("SELECT asset, CAST(SUM(amount) AS BIGINT) FROM balances GROUP BY asset")
            .ToDictionary(r => r.Asset, r => r.Sum);

    /// <summary>
    /// A command on <paramref name="connection"/> with named parameters, made once by its caller and reused with new
    /// values.
    /// </summary>
    internal static DbCommand Command(DbConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>
    /// The INSERT of a transfers table row (the embedded store's index, or PostgreSQL's table in the commit); with
    /// <paramref name="skipTaken"/> a taken id inserts nothing instead of failing.
    /// </summary>
    internal static DbCommand InsertRow(DbConnection connection, bool skipTaken) => Command(connection, $"""
        INSERT INTO transfers(seq, id, debit, credit, asset, amount, timestamp, kind, ref, payload)
        VALUES (@seq, @id, @debit, @credit, @asset, @amount, @timestamp, @kind, @ref, @payload)
        {(skipTaken ? "ON CONFLICT (id) DO NOTHING" : "")}
        """, "@seq", "@id", "@debit", "@credit", "@asset", "@amount", "@timestamp", "@kind", "@ref", "@payload");

    /// <summary>Runs an <see cref="InsertRow(DbConnection, bool)"/> command for one transfer; the rows it inserted.</summary>
    internal static int InsertRow(DbCommand insert, long seq, Transfer transfer, byte[] payload)
    {
        var p = insert.Parameters;
        p[0].Value = seq;
        p[1].Value = transfer.Id;
        p[2].Value = transfer.Debit;
        p[3].Value = transfer.Credit;
        p[4].Value = transfer.Asset;
        p[5].Value = transfer.Amount;
        p[6].Value = transfer.TimestampMicros;
        p[7].Value = transfer.Kind;
        p[8].Value = (object?)transfer.Ref ?? DBNull.Value;
        p[9].Value = payload;
        return insert.ExecuteNonQuery();
    }

    /// <summary>A stored transfer row.</summary>
    internal sealed class TransferRow
    {
        public long Seq { get; set; }
        public string Id { get; set; } = "";
        public string Debit { get; set; } = "";
        public string Credit { get; set; } = "";
        public string Asset { get; set; } = "";
        public long Amount { get; set; }
        public long Timestamp { get; set; }
        public string Kind { get; set; } = "";
        public string? Ref { get; set; }
        public byte[] Payload { get; set; } = [];

        public SignedTransfer ToSigned(NetworkKey key) => new(Seq,
            new Transfer(Id, Debit, Credit, Asset, Amount, Timestamp, Kind, Ref), Payload, key);
    }
}

using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Market;
using Earnest.Storage;
using Earnest.Verification;
using Microsoft.Data.Sqlite;

namespace Earnest.Audit;

/// <summary>What an audit found: the first inconsistency (null when none) and a summary of what it checked.</summary>
public sealed record AuditReport(string? Failure, IReadOnlyList<string> Summary)
{
    /// <summary>True when every check passed.</summary>
    public bool Passed => Failure is null;
}

/// <summary>An audit message, formatted only when its check failed.</summary>
[InterpolatedStringHandler]
internal ref struct FailureMessage
{
    private DefaultInterpolatedStringHandler _text;

    public FailureMessage(int literalLength, int formattedCount, bool failed, out bool format)
    {
        format = failed;
        _text = failed ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    public void AppendLiteral(string value) => _text.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

    public string ToStringAndClear() => _text.ToStringAndClear();
}

/// <summary>Raised at the first inconsistency an audit finds.</summary>
internal sealed class AuditException(string message) : Exception(message);

/// <summary>
/// Replays a node's whole history from genesis, reading its database only: every asset's signed terms; every transfer
/// in sequence (its payload against its columns, ids, amounts, timestamps, overdrafts, supply caps); every block (its
/// header against its columns, hash chain, signature and the Merkle root of its transfers); every balance recomputed
/// against the stored one; conservation per asset; and every verification decision re-derived from the stored
/// submissions with the verifier it names, and every payment matched against an accepted submission.
/// </summary>
public static class Auditor
{
    static Auditor() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    /// <summary>
    /// Audits the node in <paramref name="dataFolder"/>; <paramref name="expectedSigner"/> pins the network key. With
    /// <paramref name="market"/> false only the ledger is checked (assets, transfers, blocks, balances), not the
    /// decisions and payments of campaigns.
    /// </summary>
    public static AuditReport Run(string dataFolder, string? expectedSigner = null, bool market = true) =>
        RunFolder(dataFolder, expectedSigner, market).Report;

    /// <summary>
    /// Audits the node in <paramref name="dataFolder"/> as <see cref="Run(string, string?, bool)"/> does and then, with
    /// <paramref name="chain"/>, reads back from that Solana node every transaction the store says settled something:
    /// each final anchor's must have landed without error carrying the memo naming its block's height and hash; each
    /// final withdrawal's must have landed without error paying its amount of its asset's mint to its destination's
    /// token account; each returned withdrawal's must not have succeeded.
    /// </summary>
    public static async Task<AuditReport> RunAsync(string dataFolder, string? expectedSigner, Solana.Rpc.SolanaRpcClient? chain,
        bool market = true, CancellationToken ct = default)
    {
        var (report, claims) = RunFolder(dataFolder, expectedSigner, market);
        return await OnChainAsync(report, claims, chain, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Audits a store through an open connection as <see cref="Run(DbConnection, DbTransaction, string, bool, Func{long}?, Action?)"/>
    /// does, then checks the final anchors on chain through <paramref name="chain"/> when given.
    /// </summary>
    public static async Task<AuditReport> RunAsync(DbConnection connection, DbTransaction snapshot, string signer,
        Solana.Rpc.SolanaRpcClient? chain, bool market = true, CancellationToken ct = default)
    {
        var (report, claims) = RunCore(connection, snapshot, signer, market, null, null);
        return await OnChainAsync(report, claims, chain, ct).ConfigureAwait(false);
    }

    private static async Task<AuditReport> OnChainAsync(AuditReport report, OnChainClaims claims,
        Solana.Rpc.SolanaRpcClient? chain, CancellationToken ct)
    {
        if (chain is null || !report.Passed)
        {
            return report;
        }
        var (failure, line) = await SettlementAudit.OnChainAsync(claims, chain, ct).ConfigureAwait(false);
        return failure is null ? report with { Summary = [.. report.Summary, line] } : report with { Failure = failure };
    }

    private static (AuditReport Report, OnChainClaims Claims) RunFolder(string dataFolder,
        string? expectedSigner, bool market)
    {
        var database = Path.Combine(dataFolder, Node.DatabaseFile);
        if (!File.Exists(database))
        {
            throw new FileNotFoundException($"no database at {database}");
        }
        var signer = expectedSigner ?? SignerOf(dataFolder);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = database,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        // The index file, when there is one (a node builds it when it opens the store); without it the log alone is
        // audited.
        var indexPath = SqliteDatabase.IndexPathOf(database);
        var indexed = File.Exists(indexPath);
        if (indexed)
        {
            SqliteDatabase.AttachIndex(connection, indexPath);
        }
        using var snapshot = connection.BeginTransaction(deferred: true);
        return RunCore(connection, snapshot, signer, market, indexed ? () => IndexedThrough(connection, snapshot) : () => 0, () =>
        {
            var version = connection.ExecuteScalar<long>("PRAGMA user_version", transaction: snapshot);
            Replay.Fail(version != Schema.Versions.Length, $"the database is at schema version {version}, this audit reads version {Schema.Versions.Length}");
            var integrity = connection.ExecuteScalar<string>("PRAGMA quick_check", transaction: snapshot);
            Replay.Fail(integrity != "ok", $"SQLite's integrity check failed: {integrity}");
        });
    }

    /// <summary>
    /// Audits a store through an open connection (PostgreSQL, or any store of the same schema): the same replay,
    /// inside one snapshot of <paramref name="snapshot"/>'s isolation, after the store's own checks.
    /// </summary>
    public static AuditReport Run(DbConnection connection, DbTransaction snapshot, string signer, bool market = true,
        Func<long>? indexedThrough = null, Action? storeChecks = null) =>
        RunCore(connection, snapshot, signer, market, indexedThrough, storeChecks).Report;

    private static (AuditReport Report, OnChainClaims Claims) RunCore(DbConnection connection,
        DbTransaction snapshot, string signer, bool market, Func<long>? indexedThrough, Action? storeChecks)
    {
        var summary = new List<string>();
        try
        {
            storeChecks?.Invoke();
            var replay = new Replay(connection, snapshot, signer, summary, indexedThrough);
            replay.Run(market);
            return (new AuditReport(null, summary), replay.Claims);
        }
        catch (Exception ex) when (ex is AuditException or InvalidDataException)
        {
            return (new AuditReport(ex.Message, summary), OnChainClaims.None);
        }
    }

    /// <summary>How far an embedded store's index file has merged the log (0 when it is of another store or version).</summary>
    private static long IndexedThrough(DbConnection connection, DbTransaction snapshot)
    {
        var version = connection.ExecuteScalar<long>("PRAGMA ix.user_version", transaction: snapshot);
        var storeId = connection.ExecuteScalar<string>("SELECT value FROM main.meta WHERE key = 'store_id'", transaction: snapshot);
        var merged = version == LedgerIndex.Version
            ? connection.QuerySingleOrDefault<(string Store, long Seq)?>("SELECT store, seq FROM ix.merged", transaction: snapshot)
            : null;
        Replay.Fail(merged is null || merged.Value.Store != storeId,
            $"the index file belongs to another store or layout version: opening the store with a node rebuilds it");
        return merged!.Value.Seq;
    }

    /// <summary>The network key of a data folder (its network.key's public key).</summary>
    public static string SignerOf(string dataFolder)
    {
        var keyFile = Path.Combine(dataFolder, Node.KeyFile);
        if (!File.Exists(keyFile))
        {
            throw new FileNotFoundException($"no network key at {keyFile}; give the network's public key with --signer");
        }
        using var key = WalletKey.Parse(File.ReadAllText(keyFile));
        return key.Address;
    }

    internal sealed class Replay(DbConnection c, DbTransaction snapshot, string signer, List<string> summary,
        Func<long>? indexedThrough)
    {
        private readonly byte[] _signerKey = WalletAddress.TryParse(signer, out var key, out _)
            ? key
            : throw new AuditException($"the network key {signer} is not a base58 public key");
        private readonly Dictionary<(string Account, string Asset), long> _balances = [];
        private Dictionary<(string Account, string Asset), long>? _indexedBalances;
        private long _indexedThrough;
        private readonly Dictionary<string, Asset> _assets = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Postings.TransferRow> _special = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<Postings.TransferRow>> _payoutsBySubmission = new(StringComparer.Ordinal);
        private readonly List<Postings.TransferRow> _settlement = [];
        private readonly List<byte[]> _blockHashes = [];

        /// <summary>What the store says is on chain, once the replay has checked it against the ledger.</summary>
        public OnChainClaims Claims { get; private set; } = OnChainClaims.None;

        public void Run(bool market)
        {
            Assets();
            var (transfers, blocks) = TransfersAndBlocks();
            Balances();
            var (settled, claims) = new SettlementAudit(c, snapshot).Check(_settlement, _balances, _blockHashes, _assets.Values);
            Claims = claims;
            var decisions = market ? Decisions() : "campaigns not audited (ledger only)";
            summary.Insert(0, $"network key {signer}");
            summary.Add($"{transfers} transfers in {blocks} blocks: every payload, header, hash link, Merkle root and signature checks");
            summary.Add(_indexedThrough == long.MaxValue || _indexedThrough == transfers
                ? "the index of transfers by id and account matches the log"
                : $"the index matches the log as far as it has merged (transfer {_indexedThrough} of {transfers})");
            summary.Add($"{_balances.Count} balances recomputed from genesis match the stored ones; every asset sums to zero");
            summary.Add(settled);
            summary.Add(decisions);
        }

        /// <summary>
        /// Stops the audit with the message when <paramref name="failed"/>; the message is only formatted then (the
        /// checks run for every transfer, so formatting each passing check's message would dominate the replay).
        /// </summary>
        internal static void Fail(bool failed, [InterpolatedStringHandlerArgument(nameof(failed))] ref FailureMessage message)
        {
            if (failed)
            {
                throw new AuditException(message.ToStringAndClear());
            }
        }

        private bool Verifies(byte[] data, byte[]? signature) =>
            signature is { Length: 64 } && Ed25519.Verify(_signerKey, data, signature);

        private void Assets()
        {
            foreach (var a in c.Query<(string Symbol, long Decimals, string Issuer, long CreatedAt, long? MaxSupply,
                         byte[]? Payload, byte[]? Signature)>(
                         "SELECT symbol, decimals, issuer, created_at, max_supply, payload, signature FROM assets ORDER BY symbol",
                         transaction: snapshot))
            {
                var asset = new Asset(a.Symbol, (int)a.Decimals, a.Issuer, a.MaxSupply);
                Fail(a.Payload is null || !a.Payload.AsSpan().SequenceEqual(asset.Payload(a.CreatedAt)),
                    $"asset {a.Symbol}: its stored terms differ from its signed record");
                Fail(!Verifies(a.Payload!, a.Signature), $"asset {a.Symbol}: the signature of its terms does not verify");
                _assets[a.Symbol] = asset;
            }
            summary.Add($"{_assets.Count} assets: {string.Join(", ", _assets.Keys)}; signed terms check");
        }

        private (long Transfers, long Blocks) TransfersAndBlocks()
        {
            // The index first: its snapshot is taken before the log's, so the log holds all it has merged.
            _indexedThrough = indexedThrough?.Invoke() ?? long.MaxValue;
            _indexedBalances = _indexedThrough == 0 ? [] : null;
            var blocks = c.Query<Chain.BlockRow>("SELECT * FROM blocks ORDER BY height", transaction: snapshot).ToList();
            var previousHash = BlockHeader.GenesisHash;
            var nextSeq = 1L;
            var lastTimestamp = long.MinValue;
            using var log = LogPayloads().GetEnumerator();
            for (var b = 0; b < blocks.Count; b++)
            {
                var block = blocks[b];
                var height = b + 1L;
                Fail(block.Height != height, $"block {height} is missing or out of order (found block {block.Height} in its place)");
                var header = block.ToHeader();
                Fail(!block.PreviousHash.AsSpan().SequenceEqual(previousHash),
                    $"block {height}: its previous hash does not match the hash of block {height - 1}");
                Fail(block.FirstSeq != nextSeq, $"block {height}: starts at transfer {block.FirstSeq}, expected {nextSeq}");
                Fail(block.Count < 1, $"block {height}: holds no transfers");
                var bytes = header.Encode();
                Fail(!bytes.AsSpan().SequenceEqual(block.Header), $"block {height}: its stored header differs from its columns");
                Fail(!SHA256.HashData(bytes).AsSpan().SequenceEqual(block.Hash), $"block {height}: its stored hash is not the hash of its header");
                Fail(!Verifies(block.Header, block.Signature), $"block {height}: the network's signature over its header does not verify");
                var transfers = new List<Postings.TransferRow>((int)block.Count);
                for (var i = 0; i < block.Count; i++)
                {
                    Fail(!log.MoveNext(), $"block {height}: holds {block.Count} transfers but the ledger ends after {transfers.Count}");
                    var t = log.Current;
                    Fail(t.Timestamp <= lastTimestamp, $"transfer {t.Id}: its timestamp does not follow the previous transfer's");
                    lastTimestamp = t.Timestamp;
                    transfers.Add(t);
                    nextSeq++;
                }
                Fail(!MerkleTree.Build(transfers.Select(t => t.Payload).ToList()).Root.SequenceEqual(block.MerkleRoot),
                    $"block {height}: the Merkle root of its transfers does not match its header");
                // The index's rows of the block (a range of its key), read whole: a PostgreSQL connection runs one
                // query at a time.
                using var index = c.Query<Postings.TransferRow>(
                    "SELECT * FROM transfers WHERE seq BETWEEN @FirstSeq AND @LastSeq ORDER BY seq", header, snapshot)
                    .GetEnumerator();
                foreach (var t in transfers)
                {
                    Apply(t);
                    Indexed(index, t);
                }
                Fail(index.MoveNext(), $"the index holds a transfer {index.Current.Seq} ({index.Current.Id}) that the log does not");
                previousHash = block.Hash;
                _blockHashes.Add(block.Hash);
            }
            Fail(log.MoveNext(), $"transfer {log.Current.Seq} ({log.Current.Id}) is in no block");
            var beyond = c.QuerySingleOrDefault<(long Seq, string Id)?>(
                "SELECT seq, id FROM transfers WHERE seq >= @nextSeq ORDER BY seq LIMIT 1", new { nextSeq }, snapshot);
            Fail(beyond is not null, $"the index holds a transfer {beyond!.Value.Seq} ({beyond.Value.Id}) that the log does not");
            Fail(_indexedThrough != long.MaxValue && _indexedThrough > nextSeq - 1,
                $"the index says it merged up to transfer {_indexedThrough}, but the log ends at {nextSeq - 1}");
            _indexedBalances ??= new(_balances);
            return (nextSeq - 1, blocks.Count);
        }

        /// <summary>The log's transfers in sequence, each read back from its payload.</summary>
        private IEnumerable<Postings.TransferRow> LogPayloads()
        {
            // A gap, an overlap or a malformed segment stops the read with its reason (an InvalidDataException, which
            // the audit reports as its failure).
            foreach (var (seq, payload) in LedgerLog.Read(c, 0, snapshot))
            {
                var t = Transfer.TryParse(payload);
                Fail(t is null, $"transfer {seq}: its payload is not a transfer record");
                yield return new Postings.TransferRow
                {
                    Seq = seq, Id = t!.Id, Debit = t.Debit, Credit = t.Credit, Asset = t.Asset, Amount = t.Amount,
                    Timestamp = t.TimestampMicros, Kind = t.Kind, Ref = t.Ref, Payload = payload,
                };
            }
        }

        /// <summary>
        /// Checks the index's row of a transfer the index has merged against the log; once past what it merged, keeps
        /// the balances as of that point for <see cref="Balances"/>.
        /// </summary>
        private void Indexed(IEnumerator<Postings.TransferRow> index, Postings.TransferRow t)
        {
            if (t.Seq > _indexedThrough)
            {
                return;
            }
            Fail(!index.MoveNext() || index.Current.Seq != t.Seq,
                $"transfer {t.Seq} ({t.Id}) is missing from the index");
            var row = index.Current;
            Fail(row.Id != t.Id || row.Debit != t.Debit || row.Credit != t.Credit || row.Asset != t.Asset ||
                 row.Amount != t.Amount || row.Timestamp != t.Timestamp || row.Kind != t.Kind || row.Ref != t.Ref ||
                 !row.Payload.AsSpan().SequenceEqual(t.Payload),
                $"transfer {t.Seq} ({t.Id}): the index differs from the log");
            if (t.Seq == _indexedThrough)
            {
                _indexedBalances = new(_balances);
            }
        }

        private void Apply(Postings.TransferRow t)
        {
            Fail(!Postings.IsValidId(t.Id), $"transfer {t.Id} (seq {t.Seq}): invalid id");
            Fail(t.Amount <= 0, $"transfer {t.Id} (seq {t.Seq}): amount {t.Amount} is not positive");
            Fail(t.Debit == t.Credit, $"transfer {t.Id} (seq {t.Seq}): debits and credits the same account");
            Fail(!_assets.TryGetValue(t.Asset, out var asset), $"transfer {t.Id} (seq {t.Seq}): unknown asset {t.Asset}");
            var transfer = new Transfer(t.Id, t.Debit, t.Credit, t.Asset, t.Amount, t.Timestamp, t.Kind, t.Ref);
            Fail(!t.Payload.AsSpan().SequenceEqual(transfer.Payload()), $"transfer {t.Id} (seq {t.Seq}): its payload is not in the canonical form");
            var debit = _balances.GetValueOrDefault((t.Debit, t.Asset)) - t.Amount;
            var credit = _balances.GetValueOrDefault((t.Credit, t.Asset)) + t.Amount;
            Fail(debit < 0 && !SystemAccounts.IsIssuance(t.Debit), $"transfer {t.Id} (seq {t.Seq}): overdraws {t.Debit}");
            Fail(SystemAccounts.IsIssuance(t.Debit) && asset!.MaxSupply is { } max && -debit > max,
                $"transfer {t.Id} (seq {t.Seq}): takes the supply of {t.Asset} above its maximum of {asset!.MaxSupply}");
            _balances[(t.Debit, t.Asset)] = debit;
            _balances[(t.Credit, t.Asset)] = credit;
            if (t.Kind == TransferKinds.Payout)
            {
                Fail(t.Ref is null, $"transfer {t.Id} (seq {t.Seq}): a payout without a submission");
                if (!_payoutsBySubmission.TryGetValue(t.Ref!, out var list))
                {
                    _payoutsBySubmission[t.Ref!] = list = [];
                }
                list.Add(t);
            }
            else if (t.Kind is TransferKinds.Fund or TransferKinds.Refund)
            {
                _special[t.Id] = t;
            }
            else if (SettlementAudit.IsSettlementKind(t.Kind))
            {
                Fail(t.Ref is null, $"transfer {t.Id} (seq {t.Seq}): a {t.Kind} without the withdrawal or reference it belongs to");
                _settlement.Add(t);
            }
            else
            {
                Fail(t.Kind != TransferKinds.Mint, $"transfer {t.Id} (seq {t.Seq}): unknown kind {t.Kind}");
                Fail(!SystemAccounts.IsIssuance(t.Debit), $"transfer {t.Id} (seq {t.Seq}): a mint not from an issuance account");
            }
        }

        private void Balances()
        {
            var stored = c.Query<(string Account, string Asset, long Amount)>(
                "SELECT account, asset, amount FROM balances", transaction: snapshot).ToList();
            foreach (var (account, asset, amount) in stored)
            {
                var replayed = _indexedBalances!.GetValueOrDefault((account, asset));
                Fail(replayed != amount,
                    $"balance of {account} in {asset}: the store says {amount}, the transfers give {replayed}");
            }
            var storedKeys = stored.Select(s => (s.Account, s.Asset)).ToHashSet();
            foreach (var ((account, asset), amount) in _indexedBalances!)
            {
                Fail(amount != 0 && !storedKeys.Contains((account, asset)),
                    $"balance of {account} in {asset}: missing from the store, the transfers give {amount}");
            }
            foreach (var group in _balances.GroupBy(b => b.Key.Asset))
            {
                var sum = group.Sum(b => b.Value);
                Fail(sum != 0, $"balances of {group.Key} sum to {sum}, not zero");
            }
        }

        /// <summary>The counts leasing relies on (escrow cover, gold share, qualification) agree with the rows they
        /// count. Checked after the decisions, so a tampered decision is named as such rather than as a count.</summary>
        private void Counts()
        {
            foreach (var (id, stored, actual) in c.Query<(string Id, string Stored, string Actual)>("""
                SELECT c.id,
                    CAST(c.active_leases AS TEXT) || '/' || CAST(c.pending_submissions AS TEXT) || '/' || CAST(c.gold_count AS TEXT),
                    CAST((SELECT COUNT(*) FROM assignments a WHERE a.campaign_id = c.id AND a.status = 'active') AS TEXT) || '/' ||
                    CAST((SELECT COUNT(*) FROM submissions s WHERE s.campaign_id = c.id AND s.status = 'pending') AS TEXT) || '/' ||
                    CAST((SELECT COUNT(*) FROM tasks t WHERE t.campaign_id = c.id AND t.gold IS NOT NULL) AS TEXT)
                FROM campaigns c
                """, transaction: snapshot))
            {
                Fail(stored != actual, $"campaign {id}: live leases/pending submissions/gold tasks stored as {stored}, counted {actual}");
            }
            // Counted by grouping, one pass over each table: no index serves a count per contributor and campaign.
            var participants = c.Query<(string Campaign, string Contributor, string Stored, string Actual)>("""
                WITH leased AS (
                    SELECT a.campaign_id, a.contributor, COUNT(*) AS leases, COUNT(t.gold) AS gold_leases
                    FROM assignments a LEFT JOIN tasks t ON t.campaign_id = a.campaign_id AND t.seq = a.task_seq
                    GROUP BY a.campaign_id, a.contributor),
                answered AS (
                    SELECT campaign_id, contributor, SUM(CASE WHEN status <> 'pending' THEN 1 ELSE 0 END) AS answered,
                        SUM(CASE WHEN status = 'accepted' THEN 1 ELSE 0 END) AS correct
                    FROM submissions WHERE gold = 1
                    GROUP BY campaign_id, contributor)
                SELECT p.campaign_id, p.contributor,
                    CAST(p.leased AS TEXT) || '/' || CAST(p.gold_leased AS TEXT) || '/' || CAST(p.gold_answered AS TEXT) || '/' ||
                    CAST(p.gold_correct AS TEXT),
                    CAST(COALESCE(l.leases, 0) AS TEXT) || '/' || CAST(COALESCE(l.gold_leases, 0) AS TEXT) || '/' ||
                    CAST(COALESCE(g.answered, 0) AS TEXT) || '/' || CAST(COALESCE(g.correct, 0) AS TEXT)
                FROM participants p
                LEFT JOIN leased l ON l.campaign_id = p.campaign_id AND l.contributor = p.contributor
                LEFT JOIN answered g ON g.campaign_id = p.campaign_id AND g.contributor = p.contributor
                """, transaction: snapshot).ToList();
            foreach (var (campaign, contributor, stored, actual) in participants)
            {
                Fail(stored != actual, $"campaign {campaign}, contributor {contributor}: leases/gold leases/gold answered/gold right stored as {stored}, counted {actual}");
            }
            var unlisted = c.ExecuteScalar<long>("""
                SELECT COUNT(*) FROM (SELECT DISTINCT campaign_id, contributor FROM assignments) AS leased
                WHERE NOT EXISTS (SELECT 1 FROM participants p WHERE p.campaign_id = leased.campaign_id AND p.contributor = leased.contributor)
                """, transaction: snapshot);
            Fail(unlisted != 0, $"{unlisted} contributors hold leases in campaigns they have no counts in");
        }

        private string Decisions()
        {
            var campaigns = c.Query<CampaignRow>("SELECT * FROM campaigns", transaction: snapshot)
                .ToDictionary(r => r.Id, StringComparer.Ordinal);
            var replay = new DecisionReplay(c, snapshot);
            var decisions = c.Query<(long Seq, string SubmissionId, string Status, string Reason, string Verifier, string Inputs)>(
                "SELECT seq, submission_id, status, reason, verifier, inputs FROM decisions ORDER BY seq", transaction: snapshot)
                .ToList();
            var bySubmission = decisions.GroupBy(d => d.SubmissionId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            long accepted = 0, rejected = 0, pending = 0;
            foreach (var s in c.Query<SubmissionRow>("SELECT * FROM submissions ORDER BY seq", transaction: snapshot))
            {
                Fail(!campaigns.TryGetValue(s.CampaignId, out var campaign), $"submission {s.Id}: unknown campaign {s.CampaignId}");
                var recorded = bySubmission.GetValueOrDefault(s.Id) ?? [];
                var payouts = _payoutsBySubmission.GetValueOrDefault(s.Id) ?? [];
                _payoutsBySubmission.Remove(s.Id);
                if (s.Status == "pending")
                {
                    Fail(recorded.Count != 0, $"submission {s.Id}: pending, yet a decision is recorded");
                    Fail(payouts.Count != 0, $"submission {s.Id}: pending, yet paid");
                    pending++;
                    continue;
                }
                Fail(recorded.Count != 1, $"submission {s.Id}: {recorded.Count} decisions recorded, expected one");
                var d = recorded[0];
                Fail(d.Status != s.Status, $"submission {s.Id}: its status {s.Status} differs from its recorded decision {d.Status}");
                Decision? again;
                try
                {
                    again = replay.Rederive(s, campaign!, d.Verifier, d.Inputs);
                }
                catch (Exception ex) when (ex is InvalidOperationException or JsonException or KeyNotFoundException)
                {
                    throw new AuditException($"submission {s.Id}: the recorded inputs of its decision cannot be replayed ({ex.Message})");
                }
                Fail(again is null, $"submission {s.Id}: the replay of its decision ({d.Verifier}) decides nothing for it");
                Fail(DecisionText.Of(again!.Status) != d.Status || again.Reason != d.Reason || again.Inputs != d.Inputs ||
                     again.Verifier != d.Verifier,
                    $"submission {s.Id}: the replay decides {DecisionText.Of(again.Status)} ({again.Reason}) but {d.Status} ({d.Reason}) is recorded");
                if (s.Status == "accepted")
                {
                    accepted++;
                    Fail(payouts.Count != 1, $"submission {s.Id}: accepted and paid {payouts.Count} times, expected once");
                    var p = payouts[0];
                    Fail(p.Id != TaskDecisions.PayoutId(s.Id) || p.Amount != campaign!.Reward || p.Asset != campaign.Asset ||
                         p.Debit != SystemAccounts.Escrow(campaign.Id) || p.Credit != s.Contributor || s.TransferId != p.Id,
                        $"submission {s.Id}: its payout {p.Id} does not pay the campaign's reward from its escrow to its contributor");
                }
                else
                {
                    rejected++;
                    Fail(payouts.Count != 0, $"submission {s.Id}: {s.Status}, yet paid");
                }
            }
            Fail(_payoutsBySubmission.Count > 0,
                $"payout {_payoutsBySubmission.Values.FirstOrDefault()?.FirstOrDefault()?.Id} pays no recorded submission");
            foreach (var campaign in campaigns.Values)
            {
                Campaign(campaign);
            }
            Counts();
            return $"{decisions.Count} decisions re-derived from the stored submissions ({accepted} accepted, " +
                   $"{rejected} rejected, {pending} pending); each accepted submission paid exactly once; " +
                   $"{campaigns.Count} campaigns' funding and refunds match";
        }

        private void Campaign(CampaignRow campaign)
        {
            var funded = _special.GetValueOrDefault("fund:" + campaign.Id);
            var escrow = SystemAccounts.Escrow(campaign.Id);
            if (campaign.PublishedAt is null)
            {
                Fail(funded is not null, $"campaign {campaign.Id}: a draft, yet funded");
                return;
            }
            Fail(funded is null || funded.Amount != campaign.Budget || funded.Debit != campaign.Requester ||
                 funded.Credit != escrow || funded.Asset != campaign.Asset,
                $"campaign {campaign.Id}: published without its budget moving from its requester into its escrow");
            var refund = _special.GetValueOrDefault("refund:" + campaign.Id);
            Fail(refund is not null && (refund.Debit != escrow || refund.Credit != campaign.Requester),
                $"campaign {campaign.Id}: its refund does not return escrow to its requester");
            Fail(campaign.Status == "closed" && _balances.GetValueOrDefault((escrow, campaign.Asset)) != 0,
                $"campaign {campaign.Id}: closed with escrow left");
        }
    }
}

/// <summary>Re-derives a recorded decision from the stored submissions, with the verifier the decision names.</summary>
internal sealed class DecisionReplay(DbConnection c, DbTransaction snapshot)
{
    private readonly Dictionary<(string Campaign, long Through), CampaignModel.Fit> _fits = [];

    /// <summary>The decision the verifier makes for the submission from the recorded inputs, or null.</summary>
    public Decision? Rederive(SubmissionRow s, CampaignRow campaign, string verifier, string inputs)
    {
        var task = c.QuerySingle<TaskRow>("SELECT * FROM tasks WHERE campaign_id = @CampaignId AND seq = @TaskSeq",
            new { s.CampaignId, s.TaskSeq }, snapshot);
        var policy = campaign.VerificationPolicy;
        using var recorded = JsonDocument.Parse(inputs);
        var root = recorded.RootElement;
        TaskOutcome outcome;
        switch (verifier)
        {
            case Verifier.GoldVersion:
                outcome = Verifier.Decide(policy, new TaskState((int)task.Required, task.Gold),
                    [new Answer(s.Id, s.Contributor, s.Answer, DecisionStatus.Pending)], campaign.LabelList.Count, false);
                break;
            case Verifier.MajorityVersion:
                outcome = Verifier.Decide(policy, new TaskState(root.GetProperty("required").GetInt32(), null),
                    Answers(root), campaign.LabelList.Count, root.GetProperty("closing").GetBoolean());
                break;
            case Verifier.ModelVersion:
                var through = root.GetProperty("fitThroughSeq").GetInt64();
                if (!_fits.TryGetValue((campaign.Id, through), out var fit))
                {
                    _fits[(campaign.Id, through)] = fit = CampaignModel.Run(c, snapshot, campaign, through);
                }
                outcome = Verifier.DecideByModel(policy, new TaskState(root.GetProperty("required").GetInt32(), null),
                    Answers(root), fit.For(task.Seq), root.GetProperty("closing").GetBoolean());
                break;
            default:
                return null;
        }
        return outcome.Decisions.FirstOrDefault(d => d.SubmissionId == s.Id);
    }

    /// <summary>The answers the decision saw, in arrival order, read from the store (so an edited answer shows).</summary>
    private List<Answer> Answers(JsonElement root) =>
        root.GetProperty("answers").EnumerateArray().Select(id =>
        {
            var row = c.QuerySingle<SubmissionRow>("SELECT * FROM submissions WHERE id = @id", new { id = id.GetString() },
                snapshot);
            return new Answer(row.Id, row.Contributor, row.Answer, DecisionStatus.Pending);
        }).ToList();
}

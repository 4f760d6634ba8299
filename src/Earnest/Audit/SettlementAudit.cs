using System.Data.Common;
using Dapper;
using Earnest.Ledger;
using Earnest.Settlement;
using Earnest.Solana;
using Earnest.Solana.Programs;
using Earnest.Solana.Rpc;

namespace Earnest.Audit;

/// <summary>What the store says happened on chain, for an audit with a Solana node to read back.</summary>
/// <param name="Anchors">The final anchors.</param>
/// <param name="Withdrawals">The final and returned withdrawals that name a transaction.</param>
/// <param name="Decimals">Each asset's decimals (a TransferChecked repeats its mint's).</param>
internal sealed record OnChainClaims(IReadOnlyList<AnchorRow> Anchors, IReadOnlyList<WithdrawalRow> Withdrawals,
    IReadOnlyDictionary<string, int> Decimals)
{
    public static OnChainClaims None { get; } = new([], [], new Dictionary<string, int>());
}

/// <summary>
/// The audit of settlement on Solana, on the transfers the replay read and the settlement tables of the same snapshot:
/// every withdrawal moved into its asset's settlement account exactly once and left it at most once — to the issuance
/// account when final, back to its owner when returned, not at all while open — and the settlement accounts hold exactly
/// the open withdrawals; every deposit credited once, as its table row and reference say; every anchor names the hash
/// of the block at its height. With a Solana node, each final anchor's memo is read back from the chain.
/// </summary>
internal sealed class SettlementAudit(DbConnection c, DbTransaction snapshot)
{
    private static readonly HashSet<string> Kinds =
        [TransferKinds.Withdraw, TransferKinds.Settle, TransferKinds.Return, TransferKinds.Deposit];

    /// <summary>True for the kinds this audit accounts for.</summary>
    public static bool IsSettlementKind(string kind) => Kinds.Contains(kind);

    /// <summary>
    /// Checks the settlement transfers (in ledger order) against the tables; answers the summary line and what the
    /// store says happened on chain, which <see cref="OnChainAsync"/> can read back.
    /// </summary>
    public (string Summary, OnChainClaims Claims) Check(IReadOnlyList<Postings.TransferRow> transfers,
        IReadOnlyDictionary<(string Account, string Asset), long> balances, IReadOnlyList<byte[]> blockHashes,
        IEnumerable<Asset> assets)
    {
        var byKindAndRef = transfers.Where(t => t.Kind != TransferKinds.Deposit)
            .GroupBy(t => (t.Kind, t.Ref ?? ""))
            .ToDictionary(g => g.Key, g => g.ToList());
        var (final, returned, openCount, open, settled) = Withdrawals(byKindAndRef);
        var decimals = assets.ToDictionary(a => a.Symbol, a => a.Decimals, StringComparer.Ordinal);
        foreach (var asset in decimals.Keys)
        {
            var held = balances.GetValueOrDefault((SystemAccounts.Settlement(asset), asset));
            var owed = open.GetValueOrDefault(asset);
            Auditor.Replay.Fail(held != owed,
                $"the settlement account of {asset} holds {held} but its open withdrawals add up to {owed}");
        }
        var deposits = Deposits(transfers.Where(t => t.Kind == TransferKinds.Deposit).ToList());
        var (anchors, finalAnchors) = Anchors(blockHashes);
        return ($"{final + returned + openCount} withdrawals ({final} final, {returned} returned, {openCount} open) each " +
                $"moved once and settled or returned at most once; settlement accounts hold the open ones; {deposits} " +
                $"deposits each credited once to their reference's requester; {anchors} anchors name their block's hash",
            new OnChainClaims(finalAnchors, settled, decimals));
    }

    private (long Final, long Returned, long Open, Dictionary<string, long> Owed, List<WithdrawalRow> Settled) Withdrawals(
        Dictionary<(string Kind, string Ref), List<Postings.TransferRow>> transfers)
    {
        long final = 0, returned = 0, openCount = 0;
        var settledRows = new List<WithdrawalRow>();
        var open = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var w in c.Query<WithdrawalRow>("SELECT * FROM withdrawals ORDER BY id", transaction: snapshot))
        {
            var settlement = SystemAccounts.Settlement(w.Asset);
            var moved = Take(transfers, TransferKinds.Withdraw, w.Id);
            Auditor.Replay.Fail(moved.Count != 1, $"withdrawal {w.Id}: {moved.Count} withdraw transfers, expected one");
            var t = moved[0];
            Auditor.Replay.Fail(t.Id != Settlement.Withdrawals.TransferId(w.Id) || t.Debit != w.Owner || t.Credit != settlement ||
                        t.Asset != w.Asset || t.Amount != w.Amount,
                $"withdrawal {w.Id}: its transfer {t.Id} does not move {w.Amount} {w.Asset} from {w.Owner} into {settlement}");
            var settled = Take(transfers, TransferKinds.Settle, w.Id);
            var back = Take(transfers, TransferKinds.Return, w.Id);
            Auditor.Replay.Fail(settled.Count + back.Count > 1,
                $"withdrawal {w.Id}: settled {settled.Count} and returned {back.Count} times; at most one of them, once");
            switch (w.Status)
            {
                case WithdrawalStatus.Final:
                    Auditor.Replay.Fail(settled.Count != 1, $"withdrawal {w.Id}: final, but its amount never left the ledger");
                    Auditor.Replay.Fail(w.Signature is null, $"withdrawal {w.Id}: final without the signature of its transaction");
                    var s = settled[0];
                    Auditor.Replay.Fail(s.Id != Settlement.Withdrawals.SettleId(w.Id) || s.Debit != settlement ||
                                s.Credit != SystemAccounts.Issuance(w.Asset) || s.Amount != w.Amount || s.Asset != w.Asset,
                        $"withdrawal {w.Id}: its settlement {s.Id} does not move {w.Amount} {w.Asset} from {settlement} to the issuance account");
                    final++;
                    settledRows.Add(w);
                    break;
                case WithdrawalStatus.Returned:
                    Auditor.Replay.Fail(back.Count != 1, $"withdrawal {w.Id}: returned, but its amount never went back to {w.Owner}");
                    var r = back[0];
                    Auditor.Replay.Fail(r.Id != Settlement.Withdrawals.ReturnId(w.Id) || r.Debit != settlement || r.Credit != w.Owner ||
                                r.Amount != w.Amount || r.Asset != w.Asset,
                        $"withdrawal {w.Id}: its return {r.Id} does not move {w.Amount} {w.Asset} from {settlement} back to {w.Owner}");
                    returned++;
                    if (w.Signature is not null)
                    {
                        settledRows.Add(w);
                    }
                    break;
                case WithdrawalStatus.Pending or WithdrawalStatus.Sent:
                    Auditor.Replay.Fail(settled.Count + back.Count != 0, $"withdrawal {w.Id}: {w.Status}, yet settled or returned");
                    Auditor.Replay.Fail(w.Status == WithdrawalStatus.Sent && (w.Signature is null || w.LastValidHeight is null),
                        $"withdrawal {w.Id}: sent without the signature and last valid height of its transaction");
                    open[w.Asset] = open.GetValueOrDefault(w.Asset) + w.Amount;
                    openCount++;
                    break;
                default:
                    Auditor.Replay.Fail(true, $"withdrawal {w.Id}: unknown status {w.Status}");
                    break;
            }
        }
        var stray = transfers.Values.SelectMany(l => l).FirstOrDefault();
        Auditor.Replay.Fail(stray is not null, $"transfer {stray?.Id} ({stray?.Kind}) names no recorded withdrawal {stray?.Ref}");
        return (final, returned, openCount, open, settledRows);
    }

    private static List<Postings.TransferRow> Take(Dictionary<(string Kind, string Ref), List<Postings.TransferRow>> transfers,
        string kind, string id) => transfers.Remove((kind, id), out var found) ? found : [];

    private long Deposits(List<Postings.TransferRow> credits)
    {
        var byId = new Dictionary<string, Postings.TransferRow>(StringComparer.Ordinal);
        foreach (var t in credits)
        {
            Auditor.Replay.Fail(!byId.TryAdd(t.Id, t), $"deposit transfer {t.Id} is in the ledger twice");
        }
        var references = c.Query<DepositReferenceRow>("SELECT * FROM deposit_references", transaction: snapshot)
            .ToDictionary(r => r.Reference, StringComparer.Ordinal);
        long count = 0;
        foreach (var d in c.Query<DepositRow>("SELECT * FROM deposits ORDER BY signature", transaction: snapshot))
        {
            var id = Settlement.Deposits.TransferId(d.Signature);
            Auditor.Replay.Fail(!byId.Remove(id, out var t), $"deposit {d.Signature}: recorded as credited, but the ledger has no transfer {id}");
            Auditor.Replay.Fail(t!.Debit != SystemAccounts.Issuance(d.Asset) || t.Credit != d.Owner || t.Asset != d.Asset ||
                        t.Amount != d.Amount || t.Ref != d.Reference,
                $"deposit {d.Signature}: its transfer {id} does not credit {d.Amount} {d.Asset} to {d.Owner} from the issuance account with reference {d.Reference}");
            Auditor.Replay.Fail(!references.TryGetValue(d.Reference, out var reference) || reference.Owner != d.Owner,
                $"deposit {d.Signature}: its reference {d.Reference} was not handed out to {d.Owner}");
            count++;
        }
        var stray = byId.Values.FirstOrDefault();
        Auditor.Replay.Fail(stray is not null, $"transfer {stray?.Id} credits a deposit no table row records");
        return count;
    }

    private (long Count, IReadOnlyList<AnchorRow> Final) Anchors(IReadOnlyList<byte[]> blockHashes)
    {
        var final = new List<AnchorRow>();
        long count = 0;
        foreach (var a in c.Query<AnchorRow>("SELECT * FROM anchors ORDER BY height", transaction: snapshot))
        {
            Auditor.Replay.Fail(a.Height < 1 || a.Height > blockHashes.Count, $"anchor {a.Height}: there is no block {a.Height}");
            Auditor.Replay.Fail(!a.Hash.AsSpan().SequenceEqual(blockHashes[(int)(a.Height - 1)]),
                $"anchor {a.Height}: its hash {Convert.ToHexStringLower(a.Hash)} is not the hash of block {a.Height}");
            Auditor.Replay.Fail(a.Status is AnchorStatus.Sent or AnchorStatus.Final or AnchorStatus.Failed && a.Signature is null,
                $"anchor {a.Height}: {a.Status} without the signature of its transaction");
            if (a.Status == AnchorStatus.Final)
            {
                final.Add(a);
            }
            count++;
        }
        return (count, final);
    }

    /// <summary>
    /// Reads back from a Solana node what the store says happened there: each final anchor's transaction must have
    /// landed without error carrying the memo naming its block's height and hash; each final withdrawal's transaction
    /// must have landed without error with a TransferChecked paying its amount, with its asset's decimals, to its
    /// destination's associated token account for the transfer's mint (each instruction paying one withdrawal only);
    /// a returned withdrawal's transaction must not have succeeded. Answers the failure, or null and the summary line.
    /// </summary>
    public static async Task<(string? Failure, string Summary)> OnChainAsync(OnChainClaims claims, SolanaRpcClient chain,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(chain);
        foreach (var a in claims.Anchors)
        {
            if (await AnchorProblemAsync(a, chain, ct).ConfigureAwait(false) is { } problem)
            {
                return (problem, "");
            }
        }
        var transactions = 0;
        foreach (var group in claims.Withdrawals.GroupBy(w => w.Signature!, StringComparer.Ordinal))
        {
            transactions++;
            if (await WithdrawalsProblemAsync(group.Key, [.. group], claims.Decimals, chain, ct).ConfigureAwait(false) is { } problem)
            {
                return (problem, "");
            }
        }
        var final = claims.Withdrawals.Count(w => w.Status == WithdrawalStatus.Final);
        return (null, $"{claims.Anchors.Count} final anchors found on chain: each transaction carries its block's height and hash; " +
                      $"{final} final withdrawals found paid on chain by {transactions} transactions, each its amount to its destination");
    }

    private static async Task<string?> AnchorProblemAsync(AnchorRow a, SolanaRpcClient chain, CancellationToken ct)
    {
        var memo = Settlement.Anchors.Memo(a.Height, a.Hash);
        var (transaction, problem) = await ReadAsync($"anchor {a.Height}", a.Signature!, chain, ct).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        if (transaction!.Meta.Error is { } error)
        {
            return $"anchor {a.Height}: the transaction {a.Signature} failed on chain ({error})";
        }
        var memos = transaction.MemosOf(MemoProgram.Id);
        return memos.Contains(memo, StringComparer.Ordinal)
            ? null
            : $"anchor {a.Height}: the transaction {a.Signature} carries {(memos.Count == 0 ? "no memo" : string.Join(", ", memos.Select(m => $"'{m}'")))}, not '{memo}'";
    }

    private static async Task<string?> WithdrawalsProblemAsync(string signature, IReadOnlyList<WithdrawalRow> withdrawals,
        IReadOnlyDictionary<string, int> decimals, SolanaRpcClient chain, CancellationToken ct)
    {
        var (transaction, problem) = await ReadAsync($"withdrawal {withdrawals[0].Id}", signature, chain, ct).ConfigureAwait(false);
        // A returned withdrawal's transaction may be gone from the node's history; it must not have succeeded.
        if (withdrawals.FirstOrDefault(w => w.Status == WithdrawalStatus.Returned) is { } returned &&
            transaction is { Meta.Error: null })
        {
            return $"withdrawal {returned.Id}: returned to its owner, but its transaction {signature} succeeded on chain";
        }
        withdrawals = [.. withdrawals.Where(w => w.Status == WithdrawalStatus.Final)];
        if (withdrawals.Count == 0)
        {
            return null;
        }
        if (problem is not null)
        {
            return problem;
        }
        if (transaction!.Meta.Error is { } error)
        {
            return $"withdrawal {withdrawals[0].Id}: final, but its transaction {signature} failed on chain ({error})";
        }
        var transfers = TransfersChecked(transaction);
        foreach (var w in withdrawals)
        {
            var paid = transfers.FindIndex(t => t.Amount == (ulong)w.Amount && t.Decimals == decimals.GetValueOrDefault(w.Asset, -1) &&
                t.Destination == AssociatedTokenProgram.Address(PublicKey.Parse(w.Destination), t.Mint));
            if (paid < 0)
            {
                return $"withdrawal {w.Id}: its transaction {signature} pays no {w.Amount} base units of {w.Asset} to the token account of {w.Destination}";
            }
            transfers.RemoveAt(paid);
        }
        return null;
    }

    private static async Task<(TransactionDetails? Transaction, string? Problem)> ReadAsync(string what, string text,
        SolanaRpcClient chain, CancellationToken ct)
    {
        Signature signature;
        try
        {
            signature = Signature.Parse(text);
        }
        catch (FormatException e)
        {
            return (null, $"{what}: its signature is not a Solana signature ({e.Message})");
        }
        var transaction = await chain.GetTransactionAsync(signature, ct: ct).ConfigureAwait(false);
        return transaction is null ? (null, $"{what}: the chain has no transaction {signature}") : (transaction, null);
    }

    /// <summary>The transaction's top-level SPL Token TransferChecked instructions: mint, destination, amount, decimals.</summary>
    private static List<(PublicKey Mint, PublicKey Destination, ulong Amount, int Decimals)> TransfersChecked(TransactionDetails transaction)
    {
        var keys = transaction.AllAccountKeys;
        return transaction.Instructions
            .Where(i => transaction.ProgramOf(i) == TokenProgram.Id && i.Data.Length == 10 &&
                        i.Data.Span[0] == TokenProgram.TransferCheckedDiscriminator && i.Accounts.Count >= 4)
            .Select(i => (keys[i.Accounts[1]], keys[i.Accounts[2]],
                System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(i.Data.Span[1..9]), (int)i.Data.Span[9]))
            .ToList();
    }
}

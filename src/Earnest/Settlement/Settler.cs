using Dapper;
using Earnest.Ledger;
using Earnest.Solana;
using Earnest.Solana.Programs;
using Earnest.Solana.Rpc;
using Earnest.Storage;

namespace Earnest.Settlement;

/// <summary>
/// Settles the ledger on Solana, one step at a time (the server's loop calls <see cref="RunOnceAsync"/> every
/// <see cref="SettlementOptions.Interval"/>; tests call the steps):
/// <list type="bullet">
/// <item><see cref="SendWithdrawalsAsync"/> packs pending withdrawals into as few transactions as fit, records each
/// transaction's signature and last valid block height in the store (write-ahead) and only then sends it;</item>
/// <item><see cref="ConfirmWithdrawalsAsync"/> makes a landed and successful transaction's withdrawals final (their
/// tokens leave the ledger), returns those of a transaction that landed with an error, and puts back to pending those
/// of a transaction that can no longer land — the block height has passed its last valid height and its status is
/// still absent — so a new transaction is built only when the old one can never pay;</item>
/// <item><see cref="ScanDepositsAsync"/> credits each transaction that paid the network's token account with a deposit
/// reference, once (<c>deposit:&lt;signature&gt;</c>);</item>
/// <item><see cref="AnchorAsync"/> writes the head block's hash with the Memo program every so many blocks.</item>
/// </list>
/// Every change of state is a compare-and-set in one commit, so settlers on several servers sharing a store never put
/// one withdrawal in two transactions: the one whose record commits first sends.
/// </summary>
public sealed class Settler
{
    private readonly Node _node;
    private readonly SolanaRpcClient _rpc;
    private readonly SettlementAccounts _accounts;
    private readonly SettlementOptions _options;

    /// <summary>A settler of the node's ledger through the node at <paramref name="rpc"/>.</summary>
    /// <exception cref="InvalidOperationException">The node has no settlement configured.</exception>
    public Settler(Node node, SolanaRpcClient rpc)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(rpc);
        _node = node;
        _rpc = rpc;
        _accounts = node.Settlement ?? throw new InvalidOperationException(
            "Settlement is not configured: set Settlement:RpcUrl (EARNEST_Settlement__RpcUrl) and a mint per asset.");
        _options = node.Options.Settlement;
    }

    /// <summary>The network's accounts on chain.</summary>
    public SettlementAccounts Accounts => _accounts;

    /// <summary>
    /// Checks the settings against the ledger and the cluster: every configured asset exists, and its mint is an SPL
    /// Token mint with the asset's decimals (else a withdrawal would pay a power of ten too much or too little).
    /// </summary>
    /// <exception cref="InvalidOperationException">A mint does not fit its asset; the message names each.</exception>
    public async Task VerifyAsync(CancellationToken ct = default)
    {
        var problems = new List<string>();
        var assets = _node.Funds.Assets().ToDictionary(a => a.Symbol, StringComparer.Ordinal);
        foreach (var (symbol, mint) in _accounts.Mints.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (!assets.TryGetValue(symbol, out var asset))
            {
                problems.Add($"Settlement:Mints:{symbol}: there is no asset {symbol} on this ledger.");
                continue;
            }
            var account = await _rpc.GetAccountInfoAsync(mint, ct: ct).ConfigureAwait(false);
            if (MintAccount.Problem(mint, account, out var decimals) is { } problem)
            {
                problems.Add($"Settlement:Mints:{symbol}: {problem}.");
            }
            else if (decimals != asset.Decimals)
            {
                problems.Add($"Settlement:Mints:{symbol}: {symbol} has {asset.Decimals} decimals but the mint {mint} has " +
                             $"{decimals}; they must be equal, or a withdrawal would pay a different amount than it debits.");
            }
        }
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }
    }

    /// <summary>
    /// One run: confirm what was sent, send what is pending, credit deposits, anchor. A step that fails (the node is
    /// unreachable, an answer is malformed) is reported and the others still run; the next run tries again.
    /// </summary>
    public async Task<SettlementRun> RunOnceAsync(CancellationToken ct = default)
    {
        var problems = new List<string>();
        var confirmed = await StepAsync("confirm withdrawals", ConfirmWithdrawalsAsync, WithdrawalsConfirmed.None, problems, ct)
            .ConfigureAwait(false);
        var sent = await StepAsync("send withdrawals", SendWithdrawalsAsync, WithdrawalsSent.None, problems, ct).ConfigureAwait(false);
        var deposits = await StepAsync("scan deposits", ScanDepositsAsync, DepositsScanned.None, problems, ct).ConfigureAwait(false);
        var anchors = await StepAsync("anchor", AnchorAsync, AnchorsProgressed.None, problems, ct).ConfigureAwait(false);
        return new SettlementRun(confirmed, sent, deposits, anchors, problems);
    }

    private static async Task<T> StepAsync<T>(string name, Func<CancellationToken, Task<T>> step, T none, List<string> problems,
        CancellationToken ct)
    {
        try
        {
            return await step(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SolanaRpcException or SolanaRpcTransportException or InvalidDataException)
        {
            problems.Add($"{name}: {e.Message}");
            return none;
        }
    }

    // ---- withdrawals: send ------------------------------------------------------------------------------------------

    /// <summary>
    /// Packs each asset's pending withdrawals (oldest first) into as few transactions as fit, creating recipients'
    /// token accounts where missing. Each transaction's signature and last valid block height are committed, with its
    /// withdrawals moved from pending to sent, before it is sent: a crash after the send cannot lose track of it, and a
    /// crash before leaves a transaction that was never sent, which expires like a dropped one. A withdrawal whose
    /// destination is not a wallet (an account of a program: a token account, a mint) is returned without a transaction.
    /// </summary>
    public async Task<WithdrawalsSent> SendWithdrawalsAsync(CancellationToken ct = default)
    {
        int transactions = 0, withdrawals = 0, rejected = 0;
        var refusals = new List<string>();
        var decimals = _node.Funds.Assets().ToDictionary(a => a.Symbol, a => a.Decimals, StringComparer.Ordinal);
        foreach (var (asset, mint) in _accounts.Mints.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var pending = _node.Database.Read(c => c.Query<WithdrawalRow>("""
                SELECT * FROM withdrawals WHERE status = 'pending' AND asset = @asset ORDER BY created_at, id LIMIT @limit
                """, new { asset, limit = _options.BatchLimit * _options.MaxTransactionsPerRun }).ToList());
            if (pending.Count == 0)
            {
                continue;
            }
            var payouts = new List<Payout>();
            var destinations = new Dictionary<string, (string? Problem, bool Create)>(StringComparer.Ordinal);
            foreach (var w in pending)
            {
                var owner = PublicKey.Parse(w.Destination);
                if (!destinations.TryGetValue(w.Destination, out var destination))
                {
                    destinations[w.Destination] = destination = await DestinationAsync(owner, mint, ct).ConfigureAwait(false);
                }
                if (destination.Problem is { } problem)
                {
                    rejected += await CloseAsync("id = @id AND status = 'pending'", new { id = w.Id }, paid: false, problem, ct)
                        .ConfigureAwait(false);
                    continue;
                }
                payouts.Add(new Payout(w.Id, owner, checked((ulong)w.Amount), destination.Create));
            }
            if (payouts.Count == 0)
            {
                continue;
            }
            var latest = await _rpc.GetLatestBlockhashAsync(ct: ct).ConfigureAwait(false);
            var batches = WithdrawalBatches.Pack(_accounts.HotKey, mint, checked((byte)decimals[asset]), latest.Blockhash,
                payouts, _options.BatchLimit, _options.MaxTransactionsPerRun);
            foreach (var batch in batches)
            {
                var signature = batch.Transaction.Id!;
                if (!await RecordWithdrawalsSentAsync(batch.Ids, signature, latest.LastValidBlockHeight, ct).ConfigureAwait(false))
                {
                    continue;
                }
                transactions++;
                withdrawals += batch.Ids.Count;
                if (await SendAsync(batch.Transaction, ct).ConfigureAwait(false) is { } refusal)
                {
                    refusals.Add(refusal);
                    await NoteAsync("withdrawals", signature, refusal, ct).ConfigureAwait(false);
                }
            }
        }
        return new WithdrawalsSent(transactions, withdrawals, rejected, refusals);
    }

    /// <summary>
    /// Whether a wallet can be paid and whether its token account must be created. A destination that exists as an
    /// account of a program (a token account, a mint, a program) is refused: its associated token account would be
    /// owned by an address no wallet signs for, and the tokens would be lost.
    /// </summary>
    private async Task<(string? Problem, bool Create)> DestinationAsync(PublicKey owner, PublicKey mint, CancellationToken ct)
    {
        var wallet = await _rpc.GetAccountInfoAsync(owner, ct: ct).ConfigureAwait(false);
        if (wallet is not null && (wallet.Owner != SystemProgram.Id || wallet.Executable))
        {
            return ($"the destination {owner} is an account of the program {wallet.Owner} (a token account or a mint, not a " +
                    "wallet); tokens paid to its token account could never be moved", false);
        }
        var tokenAccount = await _rpc.GetAccountInfoAsync(AssociatedTokenProgram.Address(owner, mint), ct: ct).ConfigureAwait(false);
        return (null, tokenAccount is null || tokenAccount.Owner != TokenProgram.Id);
    }

    /// <summary>
    /// Moves the batch's withdrawals from pending to sent with the transaction's signature, all or none: false (and
    /// nothing changed) when another settler took one of them first, or when the signature is already recorded (the
    /// same payouts over the same blockhash make the same bytes, which the cluster would take as the same transaction).
    /// </summary>
    private Task<bool> RecordWithdrawalsSentAsync(IReadOnlyList<string> ids, Signature signature, ulong lastValidHeight,
        CancellationToken ct) => _node.Database.WriteAsync(tx =>
    {
        var sig = signature.ToString();
        if (SignatureRecorded(tx, sig))
        {
            return false;
        }
        var parameters = new DynamicParameters(new { sig, lastValidHeight = checked((long)lastValidHeight), now = tx.NowMicros });
        var moved = tx.Execute($"""
            UPDATE withdrawals SET status = 'sent', signature = @sig, last_valid_height = @lastValidHeight,
                attempts = attempts + 1, last_error = NULL, updated_at = @now
            WHERE status = 'pending' AND id IN {SqlList.In(parameters, "id", ids)}
            """, parameters);
        if (moved != ids.Count)
        {
            tx.Rollback();
            return false;
        }
        return true;
    }, ct);

    private static bool SignatureRecorded(StoreTx tx, string signature) => tx.Scalar<long>("""
        SELECT (SELECT COUNT(*) FROM withdrawals WHERE signature = @signature) + (SELECT COUNT(*) FROM anchors WHERE signature = @signature)
        """, new { signature }) > 0;

    /// <summary>
    /// Sends a recorded transaction. The node's refusal is answered as text (the transaction stays recorded: it cannot
    /// land, and will be rebuilt once its blockhash has expired); a transport failure is thrown, the outcome of the send
    /// being unknown — the confirm step settles it from the transaction's status or its expiry.
    /// </summary>
    private async Task<string?> SendAsync(Transaction transaction, CancellationToken ct)
    {
        try
        {
            await _rpc.SendTransactionAsync(transaction.Serialize(), _options.SkipPreflight, ct).ConfigureAwait(false);
            return null;
        }
        catch (SolanaRpcException e)
        {
            return e.Message;
        }
    }

    private Task<int> NoteAsync(string table, Signature signature, string error, CancellationToken ct) =>
        _node.Database.WriteAsync(tx => tx.Execute(
            $"UPDATE {table} SET last_error = @error, updated_at = @now WHERE signature = @signature AND status = 'sent'",
            new { error, now = tx.NowMicros, signature = signature.ToString() }), ct);

    // ---- withdrawals: confirm ---------------------------------------------------------------------------------------

    /// <summary>
    /// Settles what each sent transaction's status says, once it is at the configured commitment: landed and succeeded →
    /// its withdrawals are final and leave the ledger (<c>settle:&lt;id&gt;</c>, settlement → issuance); landed with an
    /// error → nothing moved on chain, so they go back to their owners (<c>return:&lt;id&gt;</c>). A transaction with no
    /// status is left alone while it can still land; once the finalized block height has passed its last valid block
    /// height and its status, asked again after that, is still absent, it can never land, and its withdrawals go back to
    /// pending to be sent in a new transaction.
    /// </summary>
    public async Task<WithdrawalsConfirmed> ConfirmWithdrawalsAsync(CancellationToken ct = default)
    {
        var sent = _node.Database.Read(c => c.Query<(string Signature, long LastValidHeight, long Count)>("""
            SELECT signature, MAX(last_valid_height), COUNT(*) FROM withdrawals WHERE status = 'sent'
            GROUP BY signature ORDER BY signature
            """).ToList());
        if (sent.Count == 0)
        {
            return WithdrawalsConfirmed.None;
        }
        int final = 0, returned = 0, requeued = 0, waiting = 0;
        var statuses = await _rpc.GetSignatureStatusesAsync([.. sent.Select(s => Signature.Parse(s.Signature))], true, ct)
            .ConfigureAwait(false);
        var unseen = new List<(string Signature, long LastValidHeight, long Count)>();
        for (var i = 0; i < sent.Count; i++)
        {
            var (signature, _, count) = sent[i];
            switch (statuses[i])
            {
                case null:
                    unseen.Add(sent[i]);
                    break;
                case { } status when !Committed(status):
                    waiting += (int)count;
                    break;
                case { Error: null }:
                    final += await CloseAsync("signature = @signature AND status = 'sent'", new { signature }, paid: true, null, ct)
                        .ConfigureAwait(false);
                    break;
                case { Error: { } error }:
                    returned += await CloseAsync("signature = @signature AND status = 'sent'", new { signature }, paid: false,
                        $"the transaction {signature} landed with an error ({error}); nothing moved on chain", ct).ConfigureAwait(false);
                    break;
            }
        }
        var (expired, alive) = await ExpiredAsync(unseen.Select(u => (u.Signature, u.LastValidHeight)).ToList(), ct).ConfigureAwait(false);
        requeued += await RequeueAsync("withdrawals", expired, ct).ConfigureAwait(false);
        waiting += unseen.Where(u => alive.Contains(u.Signature)).Sum(u => (int)u.Count);
        return new WithdrawalsConfirmed(final, returned, requeued, waiting);
    }

    /// <summary>True when a status is at the configured commitment (a node too old to say reports a rooted one with no confirmations).</summary>
    private bool Committed(SignatureStatus status) =>
        status.ConfirmationStatus is { } level ? level >= _options.Commitment : status.Confirmations is null;

    /// <summary>
    /// Of transactions with no status, those that can never land: the finalized block height has passed their last valid
    /// block height (so every block that could hold them is final), and their status, asked after that, is still absent.
    /// Answers those with the height seen, and the signatures that may still land.
    /// </summary>
    /// <summary>
    /// Puts the rows (of <paramref name="table"/>: withdrawals or anchors) of transactions that can no longer land back
    /// to pending, to be built again; answers how many rows moved.
    /// </summary>
    private async Task<int> RequeueAsync(string table, List<(string Signature, long LastValidHeight, ulong Height)> expired,
        CancellationToken ct)
    {
        var requeued = 0;
        foreach (var (signature, lastValidHeight, height) in expired)
        {
            requeued += await _node.Database.WriteAsync(tx => tx.Execute($"""
                UPDATE {table} SET status = 'pending', signature = NULL, last_valid_height = NULL, last_error = @error,
                    updated_at = @now
                WHERE signature = @signature AND status = 'sent'
                """, new
            {
                signature, now = tx.NowMicros,
                error = $"the transaction {signature} did not land before block height {lastValidHeight} (now {height}); sent again",
            }), ct).ConfigureAwait(false);
        }
        return requeued;
    }

    private async Task<(List<(string Signature, long LastValidHeight, ulong Height)> Expired, HashSet<string> Alive)> ExpiredAsync(
        IReadOnlyList<(string Signature, long LastValidHeight)> unseen, CancellationToken ct)
    {
        var alive = unseen.Select(u => u.Signature).ToHashSet(StringComparer.Ordinal);
        if (unseen.Count == 0)
        {
            return ([], alive);
        }
        var height = await _rpc.GetBlockHeightAsync(Commitment.Finalized, ct).ConfigureAwait(false);
        var past = unseen.Where(u => (ulong)u.LastValidHeight < height).ToList();
        if (past.Count == 0)
        {
            return ([], alive);
        }
        // Asked again after the height: a status read before it could have missed a landing in between.
        var again = await _rpc.GetSignatureStatusesAsync([.. past.Select(p => Signature.Parse(p.Signature))], true, ct)
            .ConfigureAwait(false);
        var expired = new List<(string, long, ulong)>();
        for (var i = 0; i < past.Count; i++)
        {
            if (again[i] is null)
            {
                expired.Add((past[i].Signature, past[i].LastValidHeight, height));
                alive.Remove(past[i].Signature);
            }
        }
        return (expired, alive);
    }

    /// <summary>
    /// Closes the withdrawals <paramref name="where"/> selects (a compare-and-set on their status): paid → final, and
    /// their amounts leave the ledger (settlement → issuance); not paid → returned to their owners (settlement → owner)
    /// with the reason. One commit; events after it. Answers how many it closed.
    /// </summary>
    private async Task<int> CloseAsync(string where, object parameters, bool paid, string? reason, CancellationToken ct)
    {
        var (rows, returns) = await _node.Database.WriteAsync(tx =>
        {
            var rows = tx.Query<WithdrawalRow>($"SELECT * FROM withdrawals WHERE {where} ORDER BY id", parameters).ToList();
            var returns = new List<(string Owner, SignedTransfer Transfer)>();
            foreach (var row in rows)
            {
                var request = paid
                    ? new TransferRequest(Withdrawals.SettleId(row.Id), SystemAccounts.Settlement(row.Asset),
                        SystemAccounts.Issuance(row.Asset), row.Asset, row.Amount, TransferKinds.Settle, row.Id)
                    : new TransferRequest(Withdrawals.ReturnId(row.Id), SystemAccounts.Settlement(row.Asset), row.Owner,
                        row.Asset, row.Amount, TransferKinds.Return, row.Id);
                var result = Postings.Post(tx, _node.Key, request, out var posted);
                // The settlement account holds every open withdrawal, and these ids are the engine's alone.
                Invariant.Check(result == TransferResult.Ok, $"{request.Id} of withdrawal {row.Id} failed: {result}");
                row.Status = paid ? WithdrawalStatus.Final : WithdrawalStatus.Returned;
                row.LastError = reason;
                row.UpdatedAt = tx.NowMicros;
                tx.Execute("UPDATE withdrawals SET status = @Status, last_error = @LastError, updated_at = @UpdatedAt WHERE id = @Id",
                    row);
                if (!paid)
                {
                    returns.Add((row.Owner, posted!));
                }
            }
            return (rows, returns);
        }, ct).ConfigureAwait(false);
        foreach (var (owner, transfer) in returns)
        {
            _node.Events.Publish(owner, new MarketEvent("payment", TransferView.Of(transfer, _node.Chain)));
        }
        foreach (var row in rows)
        {
            _node.Events.Publish(row.Owner, new MarketEvent("withdrawal", WithdrawalView.Of(row)));
        }
        return rows.Count;
    }

    // ---- deposits ---------------------------------------------------------------------------------------------------

    /// <summary>
    /// For each asset with a mint, reads the transactions that named the network's token account since the last scan
    /// (oldest first; the cursor is the newest signature seen, kept in the store) and credits each deposit among them
    /// (<see cref="ObserveDepositAsync(string, Signature, CancellationToken)"/>). Failed transactions and the network's own payouts are skipped.
    /// </summary>
    public async Task<DepositsScanned> ScanDepositsAsync(CancellationToken ct = default)
    {
        int credited = 0, again = 0;
        var unattributed = new List<string>();
        foreach (var (asset, mint) in _accounts.Mints.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var cursorKey = "deposit_cursor:" + mint;
            var cursor = _node.Database.Read(c => c.QuerySingleOrDefault<string>("SELECT value FROM meta WHERE key = @cursorKey",
                new { cursorKey }));
            var found = await NewSignaturesAsync(_accounts.TokenAccount(mint), cursor is null ? null : Signature.Parse(cursor), ct)
                .ConfigureAwait(false);
            string? seen = null;
            foreach (var info in found)
            {
                var signature = info.Signature.ToString();
                if (info.Error is null && !_node.Database.Read(c => c.ExecuteScalar<long>(
                        "SELECT COUNT(*) FROM withdrawals WHERE signature = @signature", new { signature }) > 0))
                {
                    var observed = await ObserveDepositAsync(asset, info.Signature, cursorKey, ct).ConfigureAwait(false);
                    if (observed.Outcome == DepositOutcome.NotFound)
                    {
                        break; // not at the commitment yet: the next scan starts here
                    }
                    credited += observed.Outcome == DepositOutcome.Credited ? 1 : 0;
                    again += observed.Outcome == DepositOutcome.AlreadyCredited ? 1 : 0;
                    if (observed.Outcome is DepositOutcome.Unattributed or DepositOutcome.Refused)
                    {
                        unattributed.Add(observed.Detail ?? signature);
                    }
                }
                seen = signature;
            }
            if (seen is not null)
            {
                await _node.Database.WriteAsync(tx => SetCursor(tx, cursorKey, seen), ct).ConfigureAwait(false);
            }
        }
        return new DepositsScanned(credited, again, unattributed);
    }

    /// <summary>The signatures of transactions naming <paramref name="account"/> newer than <paramref name="until"/>, oldest first.</summary>
    private async Task<List<SignatureInfo>> NewSignaturesAsync(PublicKey account, Signature? until, CancellationToken ct)
    {
        const int page = 1000;
        var found = new List<SignatureInfo>();
        Signature? before = null;
        while (true)
        {
            var batch = await _rpc.GetSignaturesForAddressAsync(account, page, before, until, ct: ct).ConfigureAwait(false);
            found.AddRange(batch);
            if (batch.Count < page)
            {
                break;
            }
            before = batch[^1].Signature;
        }
        found.Reverse();
        return found;
    }

    /// <summary>
    /// Reads one transaction as a deposit of <paramref name="asset"/>: the base units the network's token account for
    /// the asset's mint received in it, credited to the requester whose reference is among its accounts (the first in
    /// account order when it names several), under <c>deposit:&lt;signature&gt;</c> — so observing a transaction again,
    /// in a rescan or by a second server, answers <see cref="DepositOutcome.AlreadyCredited"/> and credits nothing.
    /// </summary>
    public Task<DepositObservation> ObserveDepositAsync(string asset, Signature signature, CancellationToken ct = default) =>
        ObserveDepositAsync(asset, signature, null, ct);

    private async Task<DepositObservation> ObserveDepositAsync(string asset, Signature signature, string? cursorKey,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (!_accounts.TryMint(asset, out var mint))
        {
            throw new ArgumentException($"{asset} has no mint configured", nameof(asset));
        }
        var transaction = await _rpc.GetTransactionAsync(signature, ct: ct).ConfigureAwait(false);
        if (transaction is null)
        {
            return new DepositObservation(DepositOutcome.NotFound);
        }
        var received = DepositMatch.Received(transaction, _accounts.TokenAccount(mint), mint);
        if (received == 0)
        {
            return new DepositObservation(DepositOutcome.NotADeposit);
        }
        var sig = signature.ToString();
        if (received > long.MaxValue)
        {
            return new DepositObservation(DepositOutcome.Refused, Detail: $"{sig}: {received} base units do not fit the ledger");
        }
        var accounts = DepositMatch.Accounts(transaction);
        var (observation, posted) = await _node.Database.WriteAsync<(DepositObservation, SignedTransfer?)>(tx =>
        {
            var parameters = new DynamicParameters();
            var references = tx.Query<DepositReferenceRow>(
                $"SELECT * FROM deposit_references WHERE reference IN {SqlList.In(parameters, "account", accounts)}",
                parameters).ToDictionary(r => r.Reference, StringComparer.Ordinal);
            var reference = accounts.FirstOrDefault(references.ContainsKey);
            if (cursorKey is not null)
            {
                _ = SetCursor(tx, cursorKey, sig);
            }
            if (reference is null)
            {
                return (new DepositObservation(DepositOutcome.Unattributed, Amount: (long)received,
                    Detail: $"{sig}: {received} base units of {asset} with no deposit reference"), null);
            }
            var owner = references[reference].Owner;
            var request = new TransferRequest(Deposits.TransferId(sig), SystemAccounts.Issuance(asset), owner, asset,
                (long)received, TransferKinds.Deposit, reference);
            var result = Postings.Post(tx, _node.Key, request, out var credit);
            switch (result)
            {
                case TransferResult.Exists:
                    return (new DepositObservation(DepositOutcome.AlreadyCredited, owner, (long)received, request.Id), null);
                case TransferResult.ExceedsMaxSupply:
                    return (new DepositObservation(DepositOutcome.Refused, owner, (long)received, null,
                        $"{sig}: crediting {received} base units would take {asset} above its maximum supply"), null);
            }
            Invariant.Check(result == TransferResult.Ok, $"deposit {sig} failed: {result}");
            tx.Execute("""
                INSERT INTO deposits(signature, reference, owner, asset, amount, slot, credited_at)
                VALUES (@sig, @reference, @owner, @asset, @amount, @slot, @now)
                """, new { sig, reference, owner, asset, amount = (long)received, slot = checked((long)transaction.Slot), now = tx.NowMicros });
            return (new DepositObservation(DepositOutcome.Credited, owner, (long)received, request.Id), credit);
        }, ct).ConfigureAwait(false);
        if (posted is not null)
        {
            _node.Events.Publish(observation.Owner!, new MarketEvent("payment", TransferView.Of(posted, _node.Chain)));
        }
        return observation;
    }

    private static int SetCursor(StoreTx tx, string key, string signature) => tx.Execute("""
        INSERT INTO meta(key, value) VALUES (@key, @signature) ON CONFLICT(key) DO UPDATE SET value = excluded.value
        """, new { key, signature });

    // ---- anchors ----------------------------------------------------------------------------------------------------

    /// <summary>
    /// Confirms the anchors sent (final once their memo is on chain at the commitment; sent again over a new blockhash
    /// once their transaction can no longer land), records the head block as due when the ledger has grown by
    /// <see cref="SettlementOptions.AnchorEveryBlocks"/> blocks since the last anchor, and sends the anchors due:
    /// the memo <c>earnest:anchor:&lt;height&gt;:&lt;hash&gt;</c>, paid and signed by the hot key, recorded before it is sent.
    /// </summary>
    public async Task<AnchorsProgressed> AnchorAsync(CancellationToken ct = default)
    {
        var (final, requeued) = await ConfirmAnchorsAsync(ct).ConfigureAwait(false);
        var opened = await OpenAnchorAsync(ct).ConfigureAwait(false);
        var due = _node.Database.Read(c => c.Query<AnchorRow>(
            "SELECT * FROM anchors WHERE status = 'pending' ORDER BY height LIMIT @limit",
            new { limit = _options.MaxTransactionsPerRun }).ToList());
        var sent = 0;
        if (due.Count > 0)
        {
            var latest = await _rpc.GetLatestBlockhashAsync(ct: ct).ConfigureAwait(false);
            foreach (var anchor in due)
            {
                var transaction = new Transaction(Message.Compile(MessageVersion.V0, _accounts.HotWallet, latest.Blockhash,
                    [MemoProgram.Memo(Anchors.Memo(anchor.Height, anchor.Hash))])).Sign(_accounts.HotKey);
                var signature = transaction.Id!;
                var recorded = await _node.Database.WriteAsync(tx => !SignatureRecorded(tx, signature.ToString()) && tx.Execute("""
                    UPDATE anchors SET status = 'sent', signature = @signature, last_valid_height = @lastValidHeight,
                        attempts = attempts + 1, last_error = NULL, updated_at = @now
                    WHERE height = @height AND status = 'pending'
                    """, new
                {
                    signature = signature.ToString(), lastValidHeight = checked((long)latest.LastValidBlockHeight),
                    now = tx.NowMicros, height = anchor.Height,
                }) == 1, ct).ConfigureAwait(false);
                if (!recorded)
                {
                    continue;
                }
                sent++;
                if (await SendAsync(transaction, ct).ConfigureAwait(false) is { } refusal)
                {
                    await NoteAsync("anchors", signature, refusal, ct).ConfigureAwait(false);
                }
            }
        }
        return new AnchorsProgressed(opened, sent, final, requeued);
    }

    private async Task<(int Final, int Requeued)> ConfirmAnchorsAsync(CancellationToken ct)
    {
        var sent = _node.Database.Read(c => c.Query<AnchorRow>("SELECT * FROM anchors WHERE status = 'sent' ORDER BY height").ToList());
        if (sent.Count == 0)
        {
            return (0, 0);
        }
        int final = 0, requeued = 0;
        var statuses = await _rpc.GetSignatureStatusesAsync([.. sent.Select(a => Signature.Parse(a.Signature!))], true, ct)
            .ConfigureAwait(false);
        var unseen = new List<(string, long)>();
        for (var i = 0; i < sent.Count; i++)
        {
            var anchor = sent[i];
            if (statuses[i] is not { } status)
            {
                unseen.Add((anchor.Signature!, anchor.LastValidHeight!.Value));
                continue;
            }
            if (!Committed(status))
            {
                continue;
            }
            // A memo that landed with an error wrote nothing: the anchor is marked failed, and the next one is due
            // after the usual number of blocks (sending the same bytes again would be the same failed transaction).
            var closed = await _node.Database.WriteAsync(tx => tx.Execute("""
                UPDATE anchors SET status = @status, slot = @slot, last_error = @error, updated_at = @now
                WHERE height = @height AND signature = @signature AND status = 'sent'
                """, new
            {
                status = status.Error is null ? AnchorStatus.Final : AnchorStatus.Failed,
                slot = checked((long)status.Slot), now = tx.NowMicros, height = anchor.Height, signature = anchor.Signature,
                error = status.Error is null ? null : $"the transaction {anchor.Signature} landed with an error ({status.Error})",
            }), ct).ConfigureAwait(false);
            final += status.Error is null ? closed : 0;
        }
        var (expired, _) = await ExpiredAsync(unseen, ct).ConfigureAwait(false);
        requeued += await RequeueAsync("anchors", expired, ct).ConfigureAwait(false);
        return (final, requeued);
    }

    /// <summary>Records the head block as due for an anchor when the ledger has grown enough since the last one.</summary>
    private async Task<long?> OpenAnchorAsync(CancellationToken ct)
    {
        var every = _options.AnchorEveryBlocks;
        if (every <= 0 || _node.Chain.Head is not { } head)
        {
            return null;
        }
        var last = _node.Database.Read(c => c.ExecuteScalar<long?>("SELECT MAX(height) FROM anchors")) ?? 0;
        if (head.Height < last + every)
        {
            return null;
        }
        var opened = await _node.Database.WriteAsync(tx => tx.Execute("""
            INSERT INTO anchors(height, hash, status, attempts, created_at, updated_at)
            VALUES (@height, @hash, 'pending', 0, @now, @now) ON CONFLICT(height) DO NOTHING
            """, new { height = head.Height, hash = head.Hash(), now = tx.NowMicros }), ct).ConfigureAwait(false);
        return opened == 1 ? head.Height : null;
    }
}

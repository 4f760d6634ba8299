using System.Data.Common;
using Earnest.Storage;
using Microsoft.Data.Sqlite;

namespace Earnest.Ledger;

/// <summary>
/// The writer's working state of the ledger, so posting a transfer costs no more than the log needs: balances are
/// read from the store once and then kept in memory (only the single writer changes them); assets are looked up once.
/// The transfers a group posts are remembered in order; the commit writes them to the log as one segment and seals
/// them into a block. Every change a piece of work makes is logged, so when the piece rolls back (its savepoint) the
/// state rolls back with it; when a whole commit fails, the group's changes are dropped.
/// <para>
/// Where the store writes the ledger's indexes in the commit (PostgreSQL: <paramref name="index"/> is null), each
/// transfer is also inserted into the transfers table and the changed balances are written back once per commit. Where
/// a <see cref="LedgerIndex"/> builds them beside the writer (the embedded store), nothing but the log is written: an
/// id is checked against the transfers committed but not yet merged (kept here until the index has them) and then
/// against the index, and a balance first read comes from the index, which holds every transfer committed before the
/// account was first touched.
/// </para>
/// </summary>
internal sealed class LedgerState(LedgerIndex? index)
{
    private readonly Dictionary<(string Account, string Asset), long> _committed = [];
    private readonly Dictionary<(string Account, string Asset), long> _pending = [];
    private readonly Dictionary<string, long?> _assets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _unmerged = new(StringComparer.Ordinal);
    private readonly Queue<(long Seq, string Id)> _unmergedOrder = new();
    private readonly List<string> _group = [];
    private readonly List<Action> _undo = [];
    private long _lastSeq = -1;
    private DbConnection? _connection;
    private DbCommand? _insert;
    private DbCommand? _selectBalance;
    private DbCommand? _upsertBalance;
    private DbConnection? _indexConnection;
    private DbCommand? _indexBalance;
    private SqliteLookup? _indexSeq;

    /// <summary>The transfers posted in the current group, in sequence.</summary>
    public List<(long Seq, byte[] Payload)> Posted { get; } = [];

    /// <summary>A piece of work starts: changes from here on are undone if it rolls back.</summary>
    public void ItemStarting()
    {
        _undo.Clear();
        index?.AwaitRoom();
    }

    /// <summary>The piece of work rolled back: undo its changes, newest first.</summary>
    public void ItemRolledBack()
    {
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            _undo[i]();
        }
        _undo.Clear();
    }

    /// <summary>The commit failed: nothing of the group is in the store.</summary>
    public void GroupFailed()
    {
        DropGroup();
        if (index is null)
        {
            // A shared store may have changed under us: read everything again.
            _committed.Clear();
            _assets.Clear();
        }
    }

    /// <summary>Another server wrote to the shared store: forget everything read from it.</summary>
    public void StoreChanged()
    {
        DropGroup();
        _committed.Clear();
        _assets.Clear();
    }

    private void DropGroup()
    {
        _indexSeq?.EndSnapshot();
        _lastSeq = -1;
        _pending.Clear();
        _undo.Clear();
        foreach (var id in _group)
        {
            _unmerged.Remove(id);
        }
        _group.Clear();
        Posted.Clear();
    }

    /// <summary>The commit is durable.</summary>
    public void GroupCommitted()
    {
        _indexSeq?.EndSnapshot();
        foreach (var (key, amount) in _pending)
        {
            _committed[key] = amount;
        }
        _pending.Clear();
        _group.Clear();
        _undo.Clear();
        Posted.Clear();
    }

    /// <summary>The asset's maximum supply (null: uncapped), or false when there is no such asset.</summary>
    public bool TryAsset(StoreTx tx, string symbol, out long? maxSupply)
    {
        if (_assets.TryGetValue(symbol, out maxSupply))
        {
            return true;
        }
        var row = tx.QuerySingleOrDefault<(string Symbol, long? MaxSupply)?>(
            "SELECT symbol, max_supply FROM assets WHERE symbol = @symbol", new { symbol });
        if (row is null)
        {
            return false;
        }
        maxSupply = row.Value.MaxSupply;
        _assets[symbol] = maxSupply;
        _undo.Add(() => _assets.Remove(symbol));
        return true;
    }

    /// <summary>The balance of an account in an asset, as this transaction sees it.</summary>
    public long Balance(StoreTx tx, string account, string asset)
    {
        var key = (account, asset);
        if (_pending.TryGetValue(key, out var amount) || _committed.TryGetValue(key, out amount))
        {
            return amount;
        }
        const string sql = "SELECT amount FROM balances WHERE account = @account AND asset = @asset";
        var select = index is null
            ? Command(tx, ref _selectBalance, sql, "@account", "@asset")
            : _indexBalance ??= Postings.Command(IndexConnection, sql, "@account", "@asset");
        select.Parameters[0].Value = account;
        select.Parameters[1].Value = asset;
        amount = select.ExecuteScalar() is long stored ? stored : 0;
        _committed[key] = amount;
        return amount;
    }

    /// <summary>Sets a balance; it reaches the store when the group commits.</summary>
    public void SetBalance(string account, string asset, long amount)
    {
        var key = (account, asset);
        var had = _pending.TryGetValue(key, out var before);
        _pending[key] = amount;
        _undo.Add(() =>
        {
            if (had)
            {
                _pending[key] = before;
            }
            else
            {
                _pending.Remove(key);
            }
        });
    }

    /// <summary>
    /// Takes the next sequence number for a transfer (the writer is the only one to post, so it counts them itself);
    /// null when a transfer with its id exists.
    /// </summary>
    public long? Insert(StoreTx tx, Transfer transfer, byte[] payload)
    {
        if (_lastSeq < 0)
        {
            _lastSeq = LedgerLog.LastSeq(tx.Connection, tx.Transaction);
        }
        var seq = _lastSeq + 1;
        if (index is null)
        {
            if (!InsertRow(tx, seq, transfer, payload))
            {
                return null; // the id is taken: nothing was written, and the transaction goes on
            }
        }
        else
        {
            if (_unmerged.ContainsKey(transfer.Id) || IndexedSeq(transfer.Id) is not null)
            {
                return null;
            }
            _unmerged[transfer.Id] = seq;
            _unmergedOrder.Enqueue((seq, transfer.Id));
            _group.Add(transfer.Id);
        }
        _lastSeq = seq;
        var count = Posted.Count;
        Posted.Add((seq, payload));
        _undo.Add(() =>
        {
            _lastSeq = seq - 1;
            Posted.RemoveRange(count, Posted.Count - count);
            if (index is not null)
            {
                _unmerged.Remove(transfer.Id);
                _group.RemoveAt(_group.Count - 1);
            }
        });
        return seq;
    }

    /// <summary>The transfer holding an id, as this transaction sees it, or null.</summary>
    public SignedTransfer? Find(StoreTx tx, string id, NetworkKey key)
    {
        if (index is null)
        {
            return Postings.Find(tx.Connection, id, key, tx.Transaction);
        }
        if (!_unmerged.TryGetValue(id, out var seq))
        {
            return Postings.Find(IndexConnection, id, key);
        }
        // Posted in this group (not in the log yet), or committed and not yet merged: read back from the log.
        var first = Posted.Count > 0 ? Posted[0].Seq : long.MaxValue;
        var payload = seq >= first ? Posted[(int)(seq - first)].Payload : LedgerLog.ReadOne(tx.Connection, seq, tx.Transaction);
        return new SignedTransfer(seq, Transfer.TryParse(payload)!, payload, key);
    }

    /// <summary>Writes every balance the group changed, once each, where the commit writes the indexes.</summary>
    public void Flush(StoreTx tx)
    {
        if (index is not null || _pending.Count == 0)
        {
            return;
        }
        var upsert = Command(tx, ref _upsertBalance, """
            INSERT INTO balances(account, asset, amount) VALUES (@account, @asset, @amount)
            ON CONFLICT(account, asset) DO UPDATE SET amount = excluded.amount
            """, "@account", "@asset", "@amount");
        foreach (var ((account, asset), amount) in _pending)
        {
            upsert.Parameters[0].Value = account;
            upsert.Parameters[1].Value = asset;
            upsert.Parameters[2].Value = amount;
            upsert.ExecuteNonQuery();
        }
    }

    /// <summary>Drops the ids the index holds up to <paramref name="merged"/> from the unmerged tail.</summary>
    private void ForgetMerged(long merged)
    {
        while (_unmergedOrder.TryPeek(out var next) && next.Seq <= merged)
        {
            _unmergedOrder.Dequeue();
            if (_unmerged.TryGetValue(next.Id, out var seq) && seq == next.Seq)
            {
                _unmerged.Remove(next.Id);
            }
        }
    }

    private bool InsertRow(StoreTx tx, long seq, Transfer transfer, byte[] payload)
    {
        var insert = Command(tx, ref _insert, c => Postings.InsertRow(c, skipTaken: true));
        return Postings.InsertRow(insert, seq, transfer, payload) == 1;
    }

    /// <summary>
    /// The sequence number of a transfer the index holds, read on the writer's own connection to the index (each read
    /// sees its latest merge) from the id's index alone.
    /// </summary>
    private long? IndexedSeq(string id)
    {
        _indexSeq ??= new SqliteLookup((SqliteConnection)IndexConnection, "SELECT seq FROM transfers WHERE id = ?");
        if (!_indexSeq.InSnapshot)
        {
            // One read snapshot of the index per group (a read transaction per lookup cost more than the lookup). It
            // holds at least what was merged when it began, so only ids up to there leave the tail; the rest stay
            // until a later group's snapshot sees them.
            var merged = index!.Merged;
            _indexSeq.BeginSnapshot();
            ForgetMerged(merged);
        }
        return _indexSeq.Find(id);
    }

    /// <summary>The writer's own connection to the index file, outside the commit (one read snapshot per group: <see cref="IndexedSeq"/>).</summary>
    private DbConnection IndexConnection => _indexConnection ??= index!.OpenReader();

    /// <summary>A command on the writer's connection, made once and bound to the current transaction.</summary>
    private DbCommand Command(StoreTx tx, ref DbCommand? command, string sql, params string[] parameters) =>
        Command(tx, ref command, c => Postings.Command(c, sql, parameters));

    private DbCommand Command(StoreTx tx, ref DbCommand? command, Func<DbConnection, DbCommand> create)
    {
        var connection = tx.Connection;
        if (!ReferenceEquals(connection, _connection))
        {
            _insert?.Dispose();
            _selectBalance?.Dispose();
            _upsertBalance?.Dispose();
            _insert = _selectBalance = _upsertBalance = null;
            command = null;
            _connection = connection;
            _lastSeq = -1;
        }
        command ??= create(connection);
        command.Transaction = tx.Transaction;
        return command;
    }
}

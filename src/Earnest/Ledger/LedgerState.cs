using System.Data.Common;
using Earnest.Storage;

namespace Earnest.Ledger;

/// <summary>
/// The writer's working state of the ledger, so posting a transfer costs one prepared INSERT: balances are read from
/// the store once and then kept in memory (only the single writer changes them), written back once per account per
/// group commit; assets are looked up once. Every change a piece of work makes is logged, so when the piece rolls
/// back (its savepoint) the state rolls back with it; when a whole commit fails, the state is dropped and re-read.
/// The transfers a group posts are remembered in order, so the block is sealed without reading them back.
/// </summary>
internal sealed class LedgerState
{
    private readonly Dictionary<(string Account, string Asset), long> _balances = [];
    private readonly HashSet<(string Account, string Asset)> _dirty = [];
    private readonly Dictionary<string, long?> _assets = new(StringComparer.Ordinal);
    private readonly List<Action> _undo = [];
    private long _lastSeq = -1;
    private DbConnection? _connection;
    private DbCommand? _insert;
    private DbCommand? _selectBalance;
    private DbCommand? _upsertBalance;

    /// <summary>The transfers posted in the current group, in sequence.</summary>
    public List<(long Seq, byte[] Payload)> Posted { get; } = [];

    /// <summary>A piece of work starts: changes from here on are undone if it rolls back.</summary>
    public void ItemStarting() => _undo.Clear();

    /// <summary>The piece of work rolled back: undo its changes, newest first.</summary>
    public void ItemRolledBack()
    {
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            _undo[i]();
        }
        _undo.Clear();
    }

    /// <summary>The commit failed: nothing of the group is in the store, so forget everything cached.</summary>
    public void GroupFailed()
    {
        _lastSeq = -1;
        _balances.Clear();
        _dirty.Clear();
        _assets.Clear();
        _undo.Clear();
        Posted.Clear();
    }

    /// <summary>The commit is durable.</summary>
    public void GroupCommitted()
    {
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
        if (_balances.TryGetValue((account, asset), out var cached))
        {
            return cached;
        }
        var select = Command(tx, ref _selectBalance,
            "SELECT amount FROM balances WHERE account = @account AND asset = @asset", "@account", "@asset");
        select.Parameters[0].Value = account;
        select.Parameters[1].Value = asset;
        var amount = select.ExecuteScalar() is long stored ? stored : 0;
        _balances[(account, asset)] = amount;
        return amount;
    }

    /// <summary>Sets a balance; it reaches the store when the group commits.</summary>
    public void SetBalance(string account, string asset, long amount)
    {
        var key = (account, asset);
        var had = _balances.TryGetValue(key, out var before);
        var wasDirty = !_dirty.Add(key);
        _balances[key] = amount;
        _undo.Add(() =>
        {
            if (had)
            {
                _balances[key] = before;
            }
            else
            {
                _balances.Remove(key);
            }
            if (!wasDirty)
            {
                _dirty.Remove(key);
            }
        });
    }

    /// <summary>
    /// Inserts a transfer under the next sequence number (the writer is the only one to insert, so it counts them
    /// itself rather than ask SQLite for each); null when a transfer with its id exists.
    /// </summary>
    public long? Insert(StoreTx tx, Transfer transfer, byte[] payload)
    {
        if (_lastSeq < 0)
        {
            _lastSeq = tx.Scalar<long?>("SELECT MAX(seq) FROM transfers") ?? 0;
        }
        var seq = _lastSeq + 1;
        var insert = Command(tx, ref _insert, """
            INSERT INTO transfers(seq, id, debit, credit, asset, amount, timestamp, kind, ref, payload)
            VALUES (@seq, @id, @debit, @credit, @asset, @amount, @timestamp, @kind, @ref, @payload)
            ON CONFLICT (id) DO NOTHING
            """, "@seq", "@id", "@debit", "@credit", "@asset", "@amount", "@timestamp", "@kind", "@ref", "@payload");
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
        if (insert.ExecuteNonQuery() == 0)
        {
            return null; // the id is taken: nothing was written, and the transaction goes on
        }
        _lastSeq = seq;
        var count = Posted.Count;
        Posted.Add((seq, payload));
        _undo.Add(() =>
        {
            _lastSeq = seq - 1;
            Posted.RemoveRange(count, Posted.Count - count);
        });
        return seq;
    }

    /// <summary>Writes every balance the group changed, once each.</summary>
    public void Flush(StoreTx tx)
    {
        if (_dirty.Count == 0)
        {
            return;
        }
        var upsert = Command(tx, ref _upsertBalance, """
            INSERT INTO balances(account, asset, amount) VALUES (@account, @asset, @amount)
            ON CONFLICT(account, asset) DO UPDATE SET amount = excluded.amount
            """, "@account", "@asset", "@amount");
        foreach (var (account, asset) in _dirty)
        {
            upsert.Parameters[0].Value = account;
            upsert.Parameters[1].Value = asset;
            upsert.Parameters[2].Value = _balances[(account, asset)];
            upsert.ExecuteNonQuery();
        }
        _dirty.Clear();
    }

    /// <summary>A prepared command on the writer's connection, made once and bound to the current transaction.</summary>
    private DbCommand Command(StoreTx tx, ref DbCommand? command, string sql, params string[] parameters)
    {
        var connection = tx.Connection;
        if (!ReferenceEquals(connection, _connection))
        {
            _insert?.Dispose();
            _selectBalance?.Dispose();
            _upsertBalance?.Dispose();
            _insert = _selectBalance = _upsertBalance = null;
            _connection = connection;
            _lastSeq = -1;
        }
        if (command is null)
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }
        }
        command.Transaction = tx.Transaction;
        return command;
    }
}

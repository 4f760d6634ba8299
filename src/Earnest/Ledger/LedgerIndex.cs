using System.Data.Common;
using Dapper;

namespace Earnest.Ledger;

/// <summary>
/// The embedded store's ledger indexes — transfers by id and by account, and balances — kept in a file of their own
/// and built from the log (<see cref="LedgerLog"/>) by a thread beside the writer, so a commit writes one log row per
/// block instead of a row and three index entries per transfer, and the index's writes go on the other core (SQLite
/// lets one writer per file). The index records how far it has merged in the same transaction as the rows, so after a
/// crash it resumes from there; an index file that is missing, of another version, of another store or ahead of the
/// log is rebuilt from the log. Reads that need it wait until it holds every committed transfer
/// (<see cref="AwaitCurrent"/>); the writer itself checks new ids against the index and its own not-yet-merged tail.
/// </summary>
public sealed class LedgerIndex : IDisposable
{
    /// <summary>The index file's layout version; a file of another is rebuilt.</summary>
    public const int Version = 1;

    /// <summary>
    /// Most transfers merged in one index transaction; between batches the index looks again whether it should go on
    /// (a writer busy again, with no read waiting, has the disk to itself).
    /// </summary>
    public const int MaxBatch = 100_000;

    /// <summary>
    /// While the writer keeps committing, the index merges only when a read waits for it or this many transfers wait
    /// to be merged: a burst of payments is committed on one core without the index's writes on the other.
    /// </summary>
    public const int EagerLag = 1_000_000;

    /// <summary>Beyond this many unmerged transfers the writer waits for the index (its tail of ids is in memory).</summary>
    public const int MaxLag = 2 * EagerLag;

    /// <summary>With transfers to merge and none of the reasons to, the index looks again this often.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(2);

    /// <summary>How long a read waits for the index to catch up before it fails (60 s).</summary>
    public TimeSpan ReadTimeout { get; internal set; } = TimeSpan.FromSeconds(60);

    private const string Tables = """
        CREATE TABLE transfers(
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, debit TEXT NOT NULL, credit TEXT NOT NULL,
            asset TEXT NOT NULL, amount INTEGER NOT NULL, timestamp INTEGER NOT NULL, kind TEXT NOT NULL,
            ref TEXT NULL, payload BLOB NOT NULL);
        CREATE INDEX transfers_debit ON transfers(debit, seq);
        CREATE INDEX transfers_credit ON transfers(credit, seq);
        CREATE TABLE balances(
            account TEXT NOT NULL, asset TEXT NOT NULL, amount INTEGER NOT NULL,
            PRIMARY KEY(account, asset)) WITHOUT ROWID;
        CREATE TABLE merged(store TEXT NOT NULL, seq INTEGER NOT NULL);
        """;

    private readonly Func<DbConnection> _openIndex;
    private readonly Func<DbConnection> _openLog;
    private readonly object _gate = new();
    private readonly Thread _thread;
    private long _merged;
    private long _committed;
    private bool _stopping;
    private int _waiting;
    private int _held;
    private readonly Func<bool> _writerIdle;
    private Exception? _failure;
    private DbConnection? _log;
    private DbConnection? _index;

    /// <summary>
    /// Opens (building or rebuilding when needed) the index of the store <paramref name="storeId"/> and merges the
    /// whole log before returning, so the node starts with a current index; then keeps merging in the background.
    /// </summary>
    public LedgerIndex(Func<DbConnection> openIndex, Func<DbConnection> openLog, string storeId, Func<bool> writerIdle)
    {
        _openIndex = openIndex;
        _openLog = openLog;
        _writerIdle = writerIdle;
        var (log, index) = Connections();
        var logEnd = LedgerLog.LastSeq(log);
        _merged = Prepare(index, storeId, logEnd);
        _committed = logEnd;
        while (Merged < logEnd)
        {
            MergeBatch();
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "earnest-ledger-index" };
        _thread.Start();
    }

    /// <summary>The sequence number of the last transfer the index holds.</summary>
    public long Merged => Volatile.Read(ref _merged);

    /// <summary>A connection of its own to the index file, for the writer's lookups (each sees the latest merge).</summary>
    public DbConnection OpenReader() => _openIndex();

    /// <summary>The writer committed transfers up to <paramref name="lastSeq"/>: merge them.</summary>
    public void Committed(long lastSeq)
    {
        lock (_gate)
        {
            if (lastSeq > _committed)
            {
                _committed = lastSeq;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>The writer starts a piece of work: it waits here while the index is <see cref="MaxLag"/> transfers behind.</summary>
    public void AwaitRoom()
    {
        if (Volatile.Read(ref _committed) - Merged <= MaxLag)
        {
            return;
        }
        lock (_gate)
        {
            var target = _committed - EagerLag;
            Wait(target, () => $"the ledger index holds transfers up to {_merged}; the writer waits for {target}");
        }
    }

    /// <summary>Waits until the index holds every transfer committed before the call.</summary>
    public void AwaitCurrent()
    {
        if (Merged >= Volatile.Read(ref _committed))
        {
            return;
        }
        lock (_gate)
        {
            var target = _committed;
            Wait(target, () => $"the ledger index holds transfers up to {_merged} of {target}");
        }
    }

    /// <summary>Waits, holding the gate, until the index reaches <paramref name="target"/>; the merger is told someone waits.</summary>
    private void Wait(long target, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + ReadTimeout;
        _waiting++;
        try
        {
            Monitor.PulseAll(_gate);
            while (_merged < target)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new LedgerIndexBehindException(describe() +
                        (_failure is null ? "" : $"; it last failed with: {_failure.Message}"));
                }
                Monitor.Wait(_gate, left);
            }
        }
        finally
        {
            _waiting--;
        }
    }

    /// <summary>True, under the gate, when there is something to merge and now is the time.</summary>
    private bool Due() => _held == 0 && _merged < _committed &&
        (_waiting > 0 || _committed - _merged >= EagerLag || _writerIdle());

    /// <summary>
    /// Creates the tables, or clears them when the file belongs to another store, is of another version or holds
    /// more than the log; answers how far the index has merged.
    /// </summary>
    private static long Prepare(DbConnection index, string storeId, long logEnd)
    {
        var version = index.ExecuteScalar<long>("PRAGMA user_version");
        var state = version == Version
            ? index.QuerySingleOrDefault<(string Store, long Seq)?>("SELECT store, seq FROM merged")
            : null;
        if (state is { } s && s.Store == storeId && s.Seq <= logEnd)
        {
            return s.Seq;
        }
        using var transaction = index.BeginTransaction();
        foreach (var table in new[] { "transfers", "balances", "merged" })
        {
            index.Execute($"DROP TABLE IF EXISTS {table}", transaction: transaction);
        }
        index.Execute(Tables, transaction: transaction);
        index.Execute("INSERT INTO merged(store, seq) VALUES (@storeId, 0)", new { storeId }, transaction);
        index.Execute($"PRAGMA user_version = {Version}", transaction: transaction);
        transaction.Commit();
        return 0;
    }

    private void Run()
    {
        while (true)
        {
            lock (_gate)
            {
                while (!_stopping && !Due())
                {
                    // With transfers to merge, look again soon: the writer may have gone idle.
                    if (_merged < _committed)
                    {
                        Monitor.Wait(_gate, PollInterval);
                    }
                    else
                    {
                        Monitor.Wait(_gate);
                    }
                }
                if (_stopping)
                {
                    break;
                }
            }
            try
            {
                MergeBatch();
            }
            catch (Exception ex) when (ex is DbException or IOException or InvalidDataException)
            {
                // The disk or the file failed: readers waiting learn why; try again shortly, on new connections.
                DropConnections();
                lock (_gate)
                {
                    _failure = ex;
                    Monitor.Wait(_gate, TimeSpan.FromSeconds(1));
                }
            }
        }
        // A clean stop (the writer has stopped) leaves the index holding every committed transfer, so that the next
        // start, or anyone reading the file, finds it complete. A failure here only leaves the catching up to the
        // next start.
        try
        {
            while (StillBehindOnStop())
            {
                MergeBatch();
            }
        }
        catch (Exception ex) when (ex is DbException or IOException or InvalidDataException)
        {
        }
    }

    /// <summary>Tests that stand for a crash set it: the store then stops with its index as far as it had merged.</summary>
    internal bool StopAsIfCrashed { get; set; }

    private bool StillBehindOnStop()
    {
        lock (_gate)
        {
            return !StopAsIfCrashed && _merged < _committed;
        }
    }

    /// <summary>Merges the log's next transfers (at least one segment, up to about <see cref="MaxBatch"/>).</summary>
    private void MergeBatch()
    {
        var (log, index) = Connections();
        var batch = new List<(long Seq, Transfer Transfer, byte[] Payload)>();
        foreach (var (seq, payload) in LedgerLog.Read(log, Merged))
        {
            batch.Add((seq, Transfer.TryParse(payload) ??
                throw new InvalidDataException($"the log's transfer {seq} is not a transfer record"), payload));
            if (batch.Count >= MaxBatch)
            {
                break;
            }
        }
        Write(index, batch);
    }

    /// <summary>
    /// The merger's own connections to the log and to the index, opened once and kept (the index's page cache stays
    /// warm from one merge to the next); only the constructor and then the merging thread use them.
    /// </summary>
    private (DbConnection Log, DbConnection Index) Connections()
    {
        if (_index is null)
        {
            _index = _openIndex();
            // No fsync per merge: the index is derived, and after a power cut it resumes from what it kept.
            _index.Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
        }
        return (_log ??= _openLog(), _index);
    }

    private void DropConnections()
    {
        _log?.Dispose();
        _index?.Dispose();
        _log = _index = null;
    }

    private void Write(DbConnection index, List<(long Seq, Transfer Transfer, byte[] Payload)> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }
        using var transaction = index.BeginTransaction();
        using var insert = Postings.InsertRow(index, skipTaken: false);
        insert.Transaction = transaction;
        var deltas = new Dictionary<(string Account, string Asset), long>();
        foreach (var (seq, t, payload) in batch)
        {
            Postings.InsertRow(insert, seq, t, payload);
            deltas[(t.Debit, t.Asset)] = deltas.GetValueOrDefault((t.Debit, t.Asset)) - t.Amount;
            deltas[(t.Credit, t.Asset)] = deltas.GetValueOrDefault((t.Credit, t.Asset)) + t.Amount;
        }
        using var upsert = Postings.Command(index, """
            INSERT INTO balances(account, asset, amount) VALUES (@account, @asset, @amount)
            ON CONFLICT(account, asset) DO UPDATE SET amount = amount + excluded.amount
            """, "@account", "@asset", "@amount");
        upsert.Transaction = transaction;
        // In key order, so the balance pages are written in one pass.
        foreach (var ((account, asset), delta) in deltas.OrderBy(d => d.Key.Account, StringComparer.Ordinal)
                     .ThenBy(d => d.Key.Asset, StringComparer.Ordinal))
        {
            upsert.Parameters[0].Value = account;
            upsert.Parameters[1].Value = asset;
            upsert.Parameters[2].Value = delta;
            upsert.ExecuteNonQuery();
        }
        var last = batch[^1].Seq;
        index.Execute("UPDATE merged SET seq = @last", new { last }, transaction);
        transaction.Commit();
        lock (_gate)
        {
            _merged = last;
            _failure = null;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Stops merging until the result is disposed (tests use it to keep transfers unmerged; a read in between would
    /// wait for the index until its timeout).
    /// </summary>
    internal IDisposable Hold()
    {
        lock (_gate)
        {
            _held++;
        }
        return new Held(this);
    }

    private sealed class Held(LedgerIndex index) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                lock (index._gate)
                {
                    index._held--;
                    Monitor.PulseAll(index._gate);
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        _thread.Join();
        DropConnections();
    }
}

/// <summary>
/// The ledger's index did not catch up within <see cref="LedgerIndex.ReadTimeout"/> (its merges keep failing, or the
/// node is overloaded): the store is unavailable for reads for now, not the request wrong.
/// </summary>
public sealed class LedgerIndexBehindException(string message) : TimeoutException(message);

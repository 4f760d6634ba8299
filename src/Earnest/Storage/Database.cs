using System.Data.Common;
using System.Threading.Channels;
using Dapper;

namespace Earnest.Storage;

/// <summary>
/// Hooks a ledger attaches to the writer: called inside each group commit's transaction after its work items, and
/// after the commit succeeded or failed.
/// </summary>
public interface ICommitHook
{
    /// <summary>A piece of work is about to run inside the group's transaction.</summary>
    void ItemStarting();

    /// <summary>The piece of work that just ran was rolled back to its savepoint.</summary>
    void ItemRolledBack();

    /// <summary>Runs last inside the commit's transaction (sealing the block of the transfers it posted).</summary>
    void BeforeCommit(StoreTx tx);

    /// <summary>Runs once the commit is durable.</summary>
    void Committed();

    /// <summary>True when the group holds enough already: the writer commits it and leaves the rest for the next.</summary>
    bool GroupFull { get; }

    /// <summary>The commit failed: nothing of the group is in the store.</summary>
    void GroupFailed();

    /// <summary>
    /// Another server wrote to the shared store since this one last committed (a store several servers share): forget
    /// what was cached from the store and read it again within <paramref name="tx"/>.
    /// </summary>
    void StoreChanged(StoreTx tx);
}

/// <summary>
/// A store with one writer that runs writes in group commits: it takes every queued piece of work (up to a limit),
/// runs each inside a savepoint of one transaction (a piece that fails or rolls back leaves no trace and does not
/// disturb the others), lets the ledger seal a block, and commits once, so one durable flush covers the whole group.
/// A caller's task completes only after its commit is durable. Reads use pooled connections and run beside the
/// writer. The embedded store (<see cref="SqliteDatabase"/>) and the PostgreSQL store share this machinery and differ
/// only in how they connect, migrate and spell a few statements (<see cref="SqlDialect"/>).
/// </summary>
public abstract class Database : IDisposable
{
    /// <summary>Most pieces of work in one group commit.</summary>
    public const int MaxGroup = 512;

    private readonly Channel<IWorkItem> _queue = Channel.CreateUnbounded<IWorkItem>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly TimeProvider _time;
    private Thread? _writerThread;
    private long _lastMicros;
    private volatile bool _idle = true;
    private long _runningSince = NotRunning;
    private const long NotRunning = long.MinValue;
    private readonly PreparedCommands _prepared = new();
    private readonly object _flushGate = new();
    private List<IWorkItem> _unflushed = [];
    private long _committedGroups;
    private long _durableGroups;
    private bool _flushClosed;
    private Exception? _flushFailure;
    private Thread? _flusherThread;
    private int _readsAwaitingFlush;

    /// <summary>Creates the store; the derived constructor opens the writer and calls <see cref="StartWriter"/>.</summary>
    protected Database(TimeProvider time) => _time = time;

    /// <summary>How this store spells what SQL dialects disagree on.</summary>
    public abstract SqlDialect Sql { get; }

    /// <summary>The ledger's hooks into each commit; set once, before the first write.</summary>
    public ICommitHook? Hook { get; set; }

    /// <summary>
    /// The ledger's indexes when this store builds them beside the writer (the embedded store); null when the commit
    /// writes them itself. Reads wait for it to hold every committed transfer.
    /// </summary>
    public Ledger.LedgerIndex? LedgerIndex { get; protected init; }

    /// <summary>The writer's connection, open for the store's life.</summary>
    protected abstract DbConnection Writer { get; }

    /// <summary>Opens a new connection for reads.</summary>
    protected abstract DbConnection OpenReader();

    /// <summary>Starts the writer thread, once the writer connection is open and migrated.</summary>
    protected void StartWriter()
    {
        _lastMicros = Ledger.LedgerLog.LastTimestamp(Writer);
        _writerThread = new Thread(RunWriter) { IsBackground = true, Name = "earnest-writer" };
        _writerThread.Start();
        if (CommitsWithoutFlush)
        {
            _flusherThread = new Thread(RunFlusher) { IsBackground = true, Name = "earnest-flusher" };
            _flusherThread.Start();
        }
    }

    /// <summary>
    /// True when a commit returns before it is on disk and <see cref="FlushCommits"/> makes it durable (the embedded
    /// store): the writer then goes on with the next group while a thread of its own flushes, and a group's callers
    /// hear of their outcome only once a flush covered it. False when a commit is durable when it returns.
    /// </summary>
    protected virtual bool CommitsWithoutFlush => false;

    /// <summary>Makes every commit returned so far durable (called off the writer's thread).</summary>
    protected virtual void FlushCommits()
    {
    }

    /// <summary>Begins a group's transaction on the writer connection.</summary>
    protected virtual DbTransaction BeginGroup() => Writer.BeginTransaction();

    /// <summary>
    /// Runs first in each group's transaction, before any piece of work: a store shared by several servers takes its
    /// cluster-wide write lock here and tells the hook when another server committed since this one last did.
    /// </summary>
    protected virtual void GroupStarting(StoreTx tx)
    {
    }

    /// <summary>True when a piece's exception means the store itself failed (I/O, disk full, lost connection): the
    /// whole group fails instead of the one piece.</summary>
    protected abstract bool IsStoreFailure(Exception error);

    /// <summary>
    /// Changes whenever what the writer has seen of the store may no longer hold: another server wrote to the shared
    /// store since this one last committed, or a group commit failed (undoing what its pieces saw). What the writer
    /// keeps in memory about the store's contents holds only while this stays the same. Writer's thread only.
    /// </summary>
    public long WriterEpoch { get; private set; }

    /// <summary>Another server wrote since this one last committed: counts it and lets the ledger re-read its state.</summary>
    protected void StoreChangedElsewhere(StoreTx tx)
    {
        WriterEpoch++;
        Hook?.StoreChanged(tx);
    }

    /// <summary>Moves the time base forward to at least the given time (another server's latest timestamp).</summary>
    protected void ObserveTime(long micros) => _lastMicros = Math.Max(_lastMicros, micros);

    /// <summary>
    /// Runs <paramref name="work"/> as one piece of a group commit and completes once that commit is durable. The
    /// work's writes are kept when it returns and undone when it throws (the exception reaches the caller) or calls
    /// <see cref="StoreTx.Rollback"/>, for outcomes that must change nothing.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<StoreTx, T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (Volatile.Read(ref _flushFailure) is { } failed)
        {
            throw new IOException("The store could not flush its commits to disk; restart it to recover.", failed);
        }
        var item = new WorkItem<T>(work, cancellationToken, IsStoreFailure, _time.GetTimestamp());
        if (!_queue.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(GetType().Name);
        }
        return item.Task;
    }

    /// <summary>
    /// Runs read-only work on its own connection, beside any writer, once the ledger's indexes hold every transfer
    /// committed before the call (so a caller reads its own writes).
    /// </summary>
    public T Read<T>(Func<DbConnection, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        LedgerIndex?.AwaitCurrent();
        AwaitDurable();
        using var connection = OpenReader();
        return work(connection);
    }

    /// <summary>
    /// Waits until every group committed before the call is durable, so a read never shows what a power loss could
    /// still undo. At most one flush, and only while one is under way.
    /// </summary>
    private void AwaitDurable()
    {
        var target = Volatile.Read(ref _committedGroups);
        if (Volatile.Read(ref _durableGroups) >= target)
        {
            return;
        }
        lock (_flushGate)
        {
            _readsAwaitingFlush++;
            while (_durableGroups < target && _flushFailure is null && !_flushClosed)
            {
                Monitor.Wait(_flushGate);
            }
            _readsAwaitingFlush--;
        }
    }

    /// <summary>Reads waiting for a flush now (tests).</summary>
    internal int ReadsAwaitingFlush
    {
        get
        {
            lock (_flushGate)
            {
                return _readsAwaitingFlush;
            }
        }
    }

    /// <summary>Runs on the flusher's thread before each flush (tests hold or fail a flush with it).</summary>
    internal Action? BeforeFlush { get; set; }

    private void RunFlusher()
    {
        while (true)
        {
            List<IWorkItem> batch;
            long covered;
            lock (_flushGate)
            {
                // Every committed group hands over at least one piece, so nothing unflushed means all is durable.
                while (_unflushed.Count == 0 && !_flushClosed)
                {
                    Monitor.Wait(_flushGate);
                }
                if (_unflushed.Count == 0)
                {
                    return;
                }
                (batch, _unflushed) = (_unflushed, []);
                covered = _committedGroups;
            }
            Exception? failure = _flushFailure;
            if (failure is null)
            {
                try
                {
                    BeforeFlush?.Invoke();
                    FlushCommits();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // What the disk did with the unflushed pages is unknown: no caller may hear that its write is
                    // durable, now or later, so the store refuses writes from here on (restart to recover).
                    failure = ex;
                }
            }
            lock (_flushGate)
            {
                _flushFailure ??= failure;
                _durableGroups = covered;
                Monitor.PulseAll(_flushGate);
            }
            foreach (var item in batch)
            {
                if (failure is null)
                {
                    item.Complete();
                }
                else
                {
                    item.Fail(failure);
                }
            }
        }
    }

    /// <summary>Hands a committed group's pieces to the flusher, which answers their callers once it is durable.</summary>
    private void CommittedUnflushed(List<IWorkItem> group, int ran)
    {
        lock (_flushGate)
        {
            for (var i = 0; i < ran; i++)
            {
                _unflushed.Add(group[i]);
            }
            _committedGroups++;
            Monitor.PulseAll(_flushGate);
        }
    }

    private void RunWriter()
    {
        var group = new List<IWorkItem>(MaxGroup);
        while (group.Count > 0 || WaitForWork())
        {
            while (group.Count < MaxGroup && _queue.Reader.TryRead(out var item))
            {
                if (!item.TryCancel())
                {
                    group.Add(item);
                }
            }
            if (group.Count > 0)
            {
                // Pieces left over when the group filled up go first in the next one.
                group.RemoveRange(0, CommitGroup(group));
            }
        }
    }

    /// <summary>True while the writer has nothing to do (background work such as the ledger's index may use the disk).</summary>
    public bool WriterIdle => _idle;

    /// <summary>
    /// How long ago the piece of work the writer is on now was queued (zero while it has nothing to do): every piece
    /// queued after it waits at least that long. The server refuses new work while it is too long (load shedding),
    /// so that a backlog drains instead of growing until callers give up on the answers it holds.
    /// </summary>
    public TimeSpan QueueWait =>
        Volatile.Read(ref _runningSince) is var since and not NotRunning ? _time.GetElapsedTime(since) : TimeSpan.Zero;

    /// <summary>Waits for queued work; false once the queue is closed.</summary>
    private bool WaitForWork()
    {
        if (_queue.Reader.TryPeek(out _))
        {
            return true;
        }
        _idle = true;
        Volatile.Write(ref _runningSince, NotRunning);
        try
        {
            return _queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            _idle = false;
        }
    }

    /// <summary>Runs pieces of the group in one commit until it is full; answers how many it ran.</summary>
    private int CommitGroup(List<IWorkItem> group)
    {
        DbTransaction? transaction = null;
        var ran = 0;
        try
        {
            transaction = BeginGroup();
            // Where statements are round trips, the savepoints travel with the writes held back (DeferredWrites):
            // a piece's savepoint goes before any of its writes, its release with the next piece's first batch.
            var deferred = HoldsBackWrites ? new DeferredWrites(Writer, transaction) : null;
            GroupStarting(new StoreTx(Writer, transaction, NextTime, Hook, Sql, _prepared, deferred));
            for (var i = 0; i < group.Count && (i == 0 || !(Hook?.GroupFull ?? false)); i++)
            {
                ran++;
                Volatile.Write(ref _runningSince, group[i].QueuedAt);
                BeginPiece(transaction, deferred);
                Hook?.ItemStarting();
                var tx = new StoreTx(Writer, transaction, NextTime, Hook, Sql, _prepared, deferred);
                var kept = group[i].Run(tx);
                EndPiece(transaction, deferred, kept);
                if (!kept)
                {
                    Hook?.ItemRolledBack();
                }
            }
            Hook?.BeforeCommit(new StoreTx(Writer, transaction, NextTime, Hook, Sql, _prepared, deferred));
            deferred?.Flush();
            transaction.Commit();
        }
        catch (Exception ex)
        {
            // The commit itself failed (disk, I/O, connection): nothing of the group is durable, so every piece fails.
            try
            {
                transaction?.Rollback();
            }
            catch (DbException)
            {
                // The transaction is already gone; the original error is what the callers need.
            }
            catch (InvalidOperationException)
            {
                // The connection is broken; same.
            }
            WriterEpoch++;
            GroupFailed();
            Hook?.GroupFailed();
            foreach (var item in group)
            {
                item.Fail(ex);
            }
            transaction?.Dispose();
            return group.Count;
        }
        transaction.Dispose();
        Hook?.Committed();
        if (_flusherThread is not null)
        {
            CommittedUnflushed(group, ran);
            return ran;
        }
        for (var i = 0; i < ran; i++)
        {
            group[i].Complete();
        }
        return ran;
    }

    /// <summary>
    /// True where each statement is a network round trip (PostgreSQL): writes no one reads are held back and sent in
    /// batches (<see cref="StoreTx.Write"/>).
    /// </summary>
    protected virtual bool HoldsBackWrites => false;

    /// <summary>A piece's savepoint: at once, or first in its writes held back.</summary>
    private static void BeginPiece(DbTransaction transaction, DeferredWrites? deferred)
    {
        if (deferred is not null)
        {
            deferred.BeginPiece();
            return;
        }
        transaction.Save("w");
    }

    /// <summary>Keeps the piece's writes (releases its savepoint) or undoes them (rolls back to it).</summary>
    private static void EndPiece(DbTransaction transaction, DeferredWrites? deferred, bool kept)
    {
        if (deferred is not null)
        {
            if (kept)
            {
                deferred.KeepPiece();
            }
            else
            {
                deferred.DropPiece();
            }
            return;
        }
        if (!kept)
        {
            transaction.Rollback("w");
        }
        transaction.Release("w");
    }

    /// <summary>A group's commit failed: a store may have to reconnect or forget what it assumed.</summary>
    protected virtual void GroupFailed()
    {
    }

    /// <summary>A strictly increasing server time in Unix microseconds: ledger timestamps are unique and ordered.</summary>
    private long NextTime()
    {
        var now = Identity.Time.ToMicros(_time.GetUtcNow());
        _lastMicros = Math.Max(now, _lastMicros + 1);
        return _lastMicros;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops the writer (after the queued work) and closes the store.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _queue.Writer.TryComplete();
            _writerThread?.Join();
            lock (_flushGate)
            {
                _flushClosed = true;
                Monitor.PulseAll(_flushGate);
            }
            _flusherThread?.Join();
            LedgerIndex?.Dispose();
            _prepared.Dispose();
            Writer.Dispose();
        }
    }

    private interface IWorkItem
    {
        /// <summary>When the piece was queued (a timestamp of the store's time provider).</summary>
        long QueuedAt { get; }

        /// <summary>Cancels the piece when its caller gave up before it ran; true when it did.</summary>
        bool TryCancel();

        /// <summary>Runs the work; false when its writes must be undone.</summary>
        bool Run(StoreTx tx);

        void Complete();

        void Fail(Exception error);
    }

    private sealed class WorkItem<T>(Func<StoreTx, T> work, CancellationToken cancellationToken,
        Func<Exception, bool> isStoreFailure, long queuedAt) : IWorkItem
    {
        public long QueuedAt => queuedAt;

        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _error;

        public Task<T> Task => _done.Task;

        public bool TryCancel() =>
            cancellationToken.IsCancellationRequested && _done.TrySetCanceled(cancellationToken);

        public bool Run(StoreTx tx)
        {
            try
            {
                _result = work(tx);
                if (!tx.RolledBack)
                {
                    tx.FlushWrites(); // Inside the piece: a held-back write that fails undoes this piece alone.
                }
                return !tx.RolledBack;
            }
            catch (Exception ex) when (!isStoreFailure(ex))
            {
                // The work's own failure undoes its writes and reaches its caller; a failure of the store itself
                // fails the whole group instead.
                _error = ex;
                return false;
            }
        }

        public void Complete()
        {
            if (_error is not null)
            {
                _done.TrySetException(_error);
            }
            else
            {
                _done.TrySetResult(_result!);
            }
        }

        public void Fail(Exception error) => _done.TrySetException(error);
    }
}

/// <summary>What SQL dialects disagree on, spelled per store.</summary>
public abstract class SqlDialect
{
    /// <summary>A hint to use an index (SQLite's INDEXED BY); empty where the planner takes no hints.</summary>
    public abstract string IndexedBy(string index);
}

/// <summary>One write transaction: the connection, the transaction and the server time of this commit.</summary>
public sealed class StoreTx
{
    private readonly Func<long> _nextTime;

    private readonly PreparedCommands? _commands;
    private readonly DeferredWrites? _deferred;
    private readonly DbConnection _connection;

    internal StoreTx(DbConnection connection, DbTransaction transaction, Func<long> nextTime, ICommitHook? hook,
        SqlDialect sql, PreparedCommands? commands = null, DeferredWrites? deferred = null)
    {
        _commands = commands;
        _deferred = deferred;
        Hook = hook;
        Sql = sql;
        _connection = connection;
        Transaction = transaction;
        _nextTime = nextTime;
        NowMicros = nextTime();
    }

    /// <summary>The ledger's hooks into the commit (its writer state), when attached.</summary>
    public ICommitHook? Hook { get; }

    /// <summary>How the store spells what SQL dialects disagree on.</summary>
    public SqlDialect Sql { get; }

    /// <summary>
    /// The connection the transaction runs on, for statements of the caller's own: the writes held back are sent
    /// first, so what it reads includes them.
    /// </summary>
    public DbConnection Connection
    {
        get
        {
            FlushWrites();
            return _connection;
        }
    }

    /// <summary>The open transaction.</summary>
    public DbTransaction Transaction { get; }

    /// <summary>The server time of this transaction, in Unix microseconds.</summary>
    public long NowMicros { get; }

    /// <summary>True once the work asked to end without committing.</summary>
    public bool RolledBack { get; private set; }

    /// <summary>A fresh strictly increasing timestamp (each transfer gets its own).</summary>
    public long NextTimestamp() => _nextTime();

    /// <summary>Ends the transaction without committing anything it wrote.</summary>
    public void Rollback() => RolledBack = true;

    /// <summary>Runs a statement; answers how many rows it changed.</summary>
    public int Execute(string sql, object? parameters = null) =>
        Prepared(sql, parameters) is { } command
            ? command.ExecuteNonQuery()
            : Connection.Execute(sql, parameters, Transaction);

    /// <summary>
    /// Runs a write whose outcome the caller does not read. Where each statement is a network round trip
    /// (PostgreSQL) it is held back and sent with the other writes before the next statement that reads, or at the end
    /// of the piece of work; a failure still fails this piece. Elsewhere it runs at once.
    /// </summary>
    public void Write(string sql, object? parameters = null)
    {
        if (_deferred is null)
        {
            Execute(sql, parameters);
            return;
        }
        if (parameters is null)
        {
            _deferred.Add(sql, [], []);
            return;
        }
        if (PreparedCommands.Binder.For(parameters.GetType(), sql) is not { } binder)
        {
            Execute(sql, parameters); // A list Dapper expands: sent at once, after the writes held back.
            return;
        }
        var values = new object?[binder.Names.Length];
        binder.Values(parameters, values);
        _deferred.Add(sql, binder.Names, values);
    }

    /// <summary>Sends the writes held back (before a statement that reads, and at the end of a piece of work).</summary>
    public void FlushWrites() => _deferred?.Flush();

    /// <summary>Runs a query.</summary>
    public IEnumerable<T> Query<T>(string sql, object? parameters = null) =>
        Prepared(sql, parameters) is { } command
            ? Rows<T>(command, int.MaxValue)
            : Connection.Query<T>(sql, parameters, Transaction);

    /// <summary>Runs a query for one row or none.</summary>
    public T? QuerySingleOrDefault<T>(string sql, object? parameters = null)
    {
        if (Prepared(sql, parameters) is not { } command)
        {
            return Connection.QuerySingleOrDefault<T>(sql, parameters, Transaction);
        }
        var rows = Rows<T>(command, 2);
        return rows.Count switch
        {
            0 => default,
            1 => rows[0],
            _ => throw new InvalidOperationException($"more than one row where at most one was expected: {sql}"),
        };
    }

    /// <summary>Runs a query for exactly one row.</summary>
    public T QuerySingle<T>(string sql, object? parameters = null)
    {
        if (Prepared(sql, parameters) is not { } command)
        {
            return Connection.QuerySingle<T>(sql, parameters, Transaction);
        }
        var rows = Rows<T>(command, 2);
        return rows.Count == 1
            ? rows[0]
            : throw new InvalidOperationException($"{rows.Count} rows where exactly one was expected: {sql}");
    }

    /// <summary>Runs a query for one value.</summary>
    public T? Scalar<T>(string sql, object? parameters = null)
    {
        if (Prepared(sql, parameters) is not { } command)
        {
            return Connection.ExecuteScalar<T>(sql, parameters, Transaction);
        }
        return ValueAs<T>(command.ExecuteScalar());
    }

    /// <summary>A column's value as <typeparamref name="T"/>, as Dapper converts a single value.</summary>
    private static T? ValueAs<T>(object? value)
    {
        if (value is null or DBNull)
        {
            return default;
        }
        return value is T typed
            ? typed
            : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T),
                System.Globalization.CultureInfo.InvariantCulture);
    }

    private PreparedCommands.Prepared? Prepared(string sql, object? parameters) =>
        _commands?.Get(Connection, Transaction, sql, parameters); // Connection sends the writes held back first.

    /// <summary>Reads up to <paramref name="limit"/> rows, mapped as Dapper maps them.</summary>
    private static List<T> Rows<T>(PreparedCommands.Prepared command, int limit)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        if (!reader.Read())
        {
            return rows;
        }
        // A row of one simple value (an id, a count) is read as that value; Dapper's row parser maps objects only.
        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        var parse = type == typeof(string) || type.IsPrimitive
            ? r => ValueAs<T>(r.GetValue(0))!
            : command.RowParser<T>(reader);
        do
        {
            rows.Add(parse(reader));
        }
        while (rows.Count < limit && reader.Read());
        return rows;
    }
}

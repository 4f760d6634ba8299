using System.Data.Common;
using System.Threading.Channels;
using Dapper;
using Microsoft.Data.Sqlite;

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
}

/// <summary>
/// The embedded store: one SQLite file in WAL mode with full fsync, so an acknowledged write survives a crash.
/// SQLite allows one writer at a time, so writes queue for a single writer that runs them in group commits: it takes
/// every queued piece of work (up to a limit), runs each inside a savepoint of one transaction (a piece that fails or
/// rolls back leaves no trace and does not disturb the others), lets the ledger seal a block, and commits once, so
/// one fsync covers the whole group. A caller's task completes only after its commit is durable. Reads use pooled
/// connections and run beside the writer.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    /// <summary>The writer connection's page cache, in KiB.</summary>
    public const int WriterCacheKiB = 256 * 1024;

    /// <summary>Most pieces of work in one group commit.</summary>
    public const int MaxGroup = 512;

    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly Channel<IWorkItem> _queue = Channel.CreateUnbounded<IWorkItem>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _writerThread;
    private readonly TimeProvider _time;
    private long _lastMicros;

    private SqliteDatabase(string path, TimeProvider time)
    {
        _time = time;
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _writer = new SqliteConnection(_connectionString);
        _writer.Open();
        Configure(_writer);
        // The writer's page cache holds the ledger's hot index pages: at SQLite's default (2 MiB) a group commit
        // touching thousands of random index pages spills them to the WAL before it commits.
        _writer.Execute($"PRAGMA journal_mode=WAL; PRAGMA cache_size=-{WriterCacheKiB};");
        Migrate();
        _lastMicros = _writer.ExecuteScalar<long?>("SELECT MAX(timestamp) FROM transfers") ?? 0;
        _writerThread = new Thread(RunWriter) { IsBackground = true, Name = "earnest-writer" };
        _writerThread.Start();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The ledger's hooks into each commit; set once, before the first write.</summary>
    public ICommitHook? Hook { get; set; }

    /// <summary>Opens (creating if needed) the database file and brings its schema up to date.</summary>
    public static SqliteDatabase Open(string path, TimeProvider time)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        return new SqliteDatabase(path, time);
    }

    private static void Configure(SqliteConnection connection) =>
        connection.Execute("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;");

    private void Migrate()
    {
        var version = _writer.ExecuteScalar<long>("PRAGMA user_version");
        for (var v = (int)version; v < Schema.Versions.Length; v++)
        {
            using var transaction = _writer.BeginTransaction();
            _writer.Execute(Schema.Versions[v], transaction: transaction);
            _writer.Execute($"PRAGMA user_version = {v + 1}", transaction: transaction);
            transaction.Commit();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> as one piece of a group commit and completes once that commit is durable. The
    /// work's writes are kept when it returns and undone when it throws (the exception reaches the caller) or calls
    /// <see cref="StoreTx.Rollback"/>, for outcomes that must change nothing.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<StoreTx, T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var item = new WorkItem<T>(work, cancellationToken);
        if (!_queue.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(nameof(SqliteDatabase));
        }
        return item.Task;
    }

    /// <summary>Runs read-only work on its own connection, beside any writer.</summary>
    public T Read<T>(Func<DbConnection, T> work)
    {
        // No busy_timeout pragma per read: Microsoft.Data.Sqlite already retries a busy database until the
        // connection string's DefaultTimeout (30 s), and this runs on every request's token check.
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return work(connection);
    }

    private void RunWriter()
    {
        var group = new List<IWorkItem>(MaxGroup);
        while (group.Count > 0 || _queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
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

    /// <summary>Runs pieces of the group in one commit until it is full; answers how many it ran.</summary>
    private int CommitGroup(List<IWorkItem> group)
    {
        SqliteTransaction? transaction = null;
        var ran = 0;
        try
        {
            transaction = _writer.BeginTransaction(deferred: false);
            for (var i = 0; i < group.Count && (i == 0 || !(Hook?.GroupFull ?? false)); i++)
            {
                ran++;
                transaction.Save("w");
                Hook?.ItemStarting();
                var tx = new StoreTx(_writer, transaction, NextTime, Hook);
                var kept = group[i].Run(tx);
                if (kept)
                {
                    transaction.Release("w");
                }
                else
                {
                    transaction.Rollback("w");
                    transaction.Release("w");
                    Hook?.ItemRolledBack();
                }
            }
            Hook?.BeforeCommit(new StoreTx(_writer, transaction, NextTime, Hook));
            transaction.Commit();
        }
        catch (Exception ex)
        {
            // The commit itself failed (disk, I/O): nothing of the group is durable, so every piece fails.
            try
            {
                transaction?.Rollback();
            }
            catch (SqliteException)
            {
                // The transaction is already gone; the original error is what the callers need.
            }
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
        for (var i = 0; i < ran; i++)
        {
            group[i].Complete();
        }
        return ran;
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
        _queue.Writer.TryComplete();
        _writerThread.Join();
        _writer.Dispose();
    }

    private interface IWorkItem
    {
        /// <summary>Cancels the piece when its caller gave up before it ran; true when it did.</summary>
        bool TryCancel();

        /// <summary>Runs the work; false when its writes must be undone.</summary>
        bool Run(StoreTx tx);

        void Complete();

        void Fail(Exception error);
    }

    private sealed class WorkItem<T>(Func<StoreTx, T> work, CancellationToken cancellationToken) : IWorkItem
    {
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
                return !tx.RolledBack;
            }
            catch (Exception ex) when (ex is not SqliteException { SqliteErrorCode: 10 or 13 })
            {
                // The work's own failure undoes its writes and reaches its caller; an I/O or disk-full error
                // (SQLITE_IOERR, SQLITE_FULL) fails the whole group instead.
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

/// <summary>One write transaction: the connection, the transaction and the server time of this commit.</summary>
public sealed class StoreTx
{
    private readonly Func<long> _nextTime;

    internal StoreTx(DbConnection connection, DbTransaction transaction, Func<long> nextTime, ICommitHook? hook)
    {
        Hook = hook;
        Connection = connection;
        Transaction = transaction;
        _nextTime = nextTime;
        NowMicros = nextTime();
    }

    /// <summary>The ledger's hooks into the commit (its writer state), when attached.</summary>
    public ICommitHook? Hook { get; }

    /// <summary>The connection the transaction runs on.</summary>
    public DbConnection Connection { get; }

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

    /// <summary>Runs a statement.</summary>
    public int Execute(string sql, object? parameters = null) =>
        Connection.Execute(sql, parameters, Transaction);

    /// <summary>Runs a query.</summary>
    public IEnumerable<T> Query<T>(string sql, object? parameters = null) =>
        Connection.Query<T>(sql, parameters, Transaction);

    /// <summary>Runs a query for one row or none.</summary>
    public T? QuerySingleOrDefault<T>(string sql, object? parameters = null) =>
        Connection.QuerySingleOrDefault<T>(sql, parameters, Transaction);

    /// <summary>Runs a query for exactly one row.</summary>
    public T QuerySingle<T>(string sql, object? parameters = null) =>
        Connection.QuerySingle<T>(sql, parameters, Transaction);

    /// <summary>Runs a query for one value.</summary>
    public T? Scalar<T>(string sql, object? parameters = null) =>
        Connection.ExecuteScalar<T>(sql, parameters, Transaction);
}

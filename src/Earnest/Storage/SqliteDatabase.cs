using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Earnest.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with full fsync, so an acknowledged write survives a crash.
/// SQLite allows one writer at a time, so writes run one after another on a single connection behind a lock;
/// reads use pooled connections and run beside the writer.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
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
        _writer.Execute("PRAGMA journal_mode=WAL;");
        Migrate();
        _lastMicros = _writer.ExecuteScalar<long?>("SELECT MAX(timestamp) FROM transfers") ?? 0;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

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
    /// Runs <paramref name="work"/> in one write transaction and commits it when the work returns, or rolls it back
    /// when it throws. <see cref="StoreTx.Rollback"/> lets the work end without committing, for outcomes that must
    /// change nothing.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<StoreTx, T> work, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var transaction = _writer.BeginTransaction(deferred: false);
            var tx = new StoreTx(_writer, transaction, NextTime);
            T result;
            try
            {
                result = work(tx);
            }
            catch
            {
                transaction.Rollback();
                throw;
            }
            if (tx.RolledBack)
            {
                transaction.Rollback();
            }
            else
            {
                transaction.Commit();
            }
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
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
        _writer.Dispose();
        _writeLock.Dispose();
    }
}

/// <summary>One write transaction: the connection, the transaction and the server time of this commit.</summary>
public sealed class StoreTx
{
    private readonly Func<long> _nextTime;

    internal StoreTx(DbConnection connection, DbTransaction transaction, Func<long> nextTime)
    {
        Connection = connection;
        Transaction = transaction;
        _nextTime = nextTime;
        NowMicros = nextTime();
    }

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

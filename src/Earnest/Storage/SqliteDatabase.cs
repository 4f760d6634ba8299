using System.Data.Common;
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

    /// <summary>
    /// Another server wrote to the shared store since this one last committed (a store several servers share): forget
    /// what was cached from the store and read it again within <paramref name="tx"/>.
    /// </summary>
    void StoreChanged(StoreTx tx);
}

/// <summary>
/// The embedded store: one SQLite file in WAL mode with full fsync, so an acknowledged write survives a crash.
/// SQLite allows one writer at a time, which is what <see cref="Database"/>'s group commits assume.
/// </summary>
public sealed class SqliteDatabase : Database
{
    /// <summary>The writer connection's page cache, in KiB.</summary>
    public const int WriterCacheKiB = 256 * 1024;

    private readonly string _connectionString;
    private readonly SqliteConnection _writer;

    private SqliteDatabase(string path, TimeProvider time) : base(time)
    {
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
        StartWriter();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override SqlDialect Sql { get; } = new SqliteDialect();

    /// <inheritdoc />
    protected override DbConnection Writer => _writer;

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

    /// <inheritdoc />
    protected override DbConnection OpenReader()
    {
        // No busy_timeout pragma per read: Microsoft.Data.Sqlite already retries a busy database until the
        // connection string's DefaultTimeout (30 s), and this runs on every request's token check.
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <inheritdoc />
    protected override DbTransaction BeginGroup() => _writer.BeginTransaction(deferred: false);

    /// <summary>An I/O or disk-full error (SQLITE_IOERR, SQLITE_FULL) fails the whole group.</summary>
    protected override bool IsStoreFailure(Exception error) => error is SqliteException { SqliteErrorCode: 10 or 13 };

    private sealed class SqliteDialect : SqlDialect
    {
        public override string IndexedBy(string index) => "INDEXED BY " + index;
    }
}

/// <summary>One write transaction: the connection, the transaction and the server time of this commit.</summary>
public sealed class StoreTx
{
    private readonly Func<long> _nextTime;

    internal StoreTx(DbConnection connection, DbTransaction transaction, Func<long> nextTime, ICommitHook? hook,
        SqlDialect sql)
    {
        Hook = hook;
        Sql = sql;
        Connection = connection;
        Transaction = transaction;
        _nextTime = nextTime;
        NowMicros = nextTime();
    }

    /// <summary>The ledger's hooks into the commit (its writer state), when attached.</summary>
    public ICommitHook? Hook { get; }

    /// <summary>How the store spells what SQL dialects disagree on.</summary>
    public SqlDialect Sql { get; }

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

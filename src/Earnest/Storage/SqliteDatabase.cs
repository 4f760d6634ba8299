using System.Data.Common;
using Dapper;
using Earnest.Ledger;
using Microsoft.Data.Sqlite;

namespace Earnest.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode, so an acknowledged write survives a crash or a power loss.
/// SQLite allows one writer at a time, which is what <see cref="Database"/>'s group commits assume. A group commits
/// without waiting for the disk (<c>synchronous=NORMAL</c>: SQLite still syncs around each checkpoint); a thread of
/// its own then fsyncs the write-ahead log and only then answers the group's callers, while the writer already runs
/// the next group. A power loss keeps a prefix of the commits (the log's frames are checksummed in a chain), and
/// every acknowledged one is in it.
/// </summary>
public sealed class SqliteDatabase : Database
{
    /// <summary>The writer connection's page cache, in KiB.</summary>
    public const int WriterCacheKiB = 256 * 1024;

    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private FileStream? _wal;
    private Thread? _checkpointer;
    private readonly SemaphoreSlim _checkpointDue = new(0, 1);
    private volatile bool _closing;

    /// <summary>
    /// The write-ahead log's size beyond which it is copied back into the database file (a checkpoint, on a thread
    /// of its own that the flusher wakes).
    /// The writer does not checkpoint itself: with many small commits, SQLite's default (every 1,000 pages) ran a
    /// checkpoint and its two fsyncs inside a commit many times a second, and a larger log also writes a page changed
    /// by several commits to the database file once.
    /// </summary>
    public const long CheckpointBytes = 64L * 1024 * 1024;

    /// <summary>The log's size that asks for a checkpoint: <see cref="CheckpointBytes"/> (tests lower it).</summary>
    internal long CheckpointAt { get; set; } = CheckpointBytes;

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
        // One commit with a full sync creates the write-ahead log and syncs it and its folder entry, which later
        // flushes of the log's file alone assume; from here commits leave the syncing to FlushCommits.
        _writer.Execute("UPDATE meta SET value = value WHERE key = 'store_id'");
        _writer.Execute($"PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit={CheckpointBytes};");
        var storeId = _writer.ExecuteScalar<string>("SELECT value FROM meta WHERE key = 'store_id'")!;
        LedgerIndex = new LedgerIndex(() => OpenFile(IndexPath, WriterCacheKiB), () => OpenFile(path, 0), storeId,
            () => WriterIdle);
        StartWriter();
    }

    /// <summary>The file of the ledger's indexes beside the database file (<see cref="Ledger.LedgerIndex"/>).</summary>
    public string IndexPath => IndexPathOf(Path);

    /// <summary>The index file of a database file: <c>earnest.db</c> → <c>earnest.index.db</c>.</summary>
    public static string IndexPathOf(string databasePath) => System.IO.Path.ChangeExtension(databasePath, ".index.db");

    /// <summary>A connection of its own to one of the store's files (the log's reader, the index's writer).</summary>
    private SqliteConnection OpenFile(string file, int cacheKiB)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(_connectionString)
        {
            DataSource = file,
            Pooling = false,
        }.ToString());
        connection.Open();
        connection.Execute("PRAGMA busy_timeout=30000;" + (cacheKiB > 0 ? $" PRAGMA cache_size=-{cacheKiB};" : ""));
        return connection;
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
            Schema.FinishVersion(v + 1, _writer, transaction, indexesMove: true);
            _writer.Execute($"PRAGMA user_version = {v + 1}", transaction: transaction);
            transaction.Commit();
        }
    }

    /// <inheritdoc />
    protected override DbConnection OpenReader()
    {
        // No busy_timeout pragma per read: Microsoft.Data.Sqlite already retries a busy database until the
        // connection string's DefaultTimeout (30 s), and this runs on every read.
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        AttachIndex(connection, IndexPath);
        return connection;
    }

    /// <summary>
    /// Attaches the index file to a connection (once: a pooled connection keeps it), so that <c>transfers</c> and
    /// <c>balances</c> name its tables.
    /// </summary>
    public static void AttachIndex(SqliteConnection connection, string indexPath)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.ExecuteScalar<long>("SELECT COUNT(*) FROM pragma_database_list WHERE name = 'ix'") == 0)
        {
            connection.Execute("ATTACH DATABASE @indexPath AS ix", new { indexPath });
        }
    }

    /// <inheritdoc />
    protected override bool CommitsWithoutFlush => true;

    /// <summary>fsync of the write-ahead log, which holds every commit since the last checkpoint.</summary>
    protected override void FlushCommits()
    {
        _wal ??= new FileStream(Path + "-wal", FileMode.Open, FileAccess.ReadWrite,
            FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        _wal.Flush(flushToDisk: true);
        if (_wal.Length >= CheckpointAt && _checkpointDue.CurrentCount == 0)
        {
            _checkpointer ??= StartCheckpointer();
            _checkpointDue.Release();
        }
    }

    /// <summary>
    /// The thread that copies the log back into the database file. A checkpoint copies up to
    /// <see cref="CheckpointBytes"/> and syncs the file (hundreds of milliseconds here); run on the flusher, every
    /// write waiting for the next flush waited for it too, the tail of the time to paid (bench/README.md §5).
    /// </summary>
    private Thread StartCheckpointer()
    {
        var thread = new Thread(RunCheckpointer) { IsBackground = true, Name = "earnest-checkpoint" };
        thread.Start();
        return thread;
    }

    private void RunCheckpointer()
    {
        using var connection = OpenFile(Path, 0);
        while (true)
        {
            _checkpointDue.Wait();
            if (_closing)
            {
                return;
            }
            try
            {
                // PASSIVE: it copies what no reader still needs and never blocks the writer; the writer starts the
                // log over once a checkpoint has copied all of it.
                connection.Execute("PRAGMA synchronous=NORMAL; PRAGMA wal_checkpoint(PASSIVE);");
            }
            catch (SqliteException)
            {
                // The commits are durable in the log already; a checkpoint that failed is tried again after the
                // next flush, and a failing disk shows in the next commit or fsync.
            }
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            // The flusher has stopped, so nothing asks for another checkpoint; the one running finishes first.
            _closing = true;
            if (_checkpointer is not null)
            {
                if (_checkpointDue.CurrentCount == 0)
                {
                    _checkpointDue.Release();
                }
                _checkpointer.Join();
            }
            _checkpointDue.Dispose();
            _wal?.Dispose();
        }
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

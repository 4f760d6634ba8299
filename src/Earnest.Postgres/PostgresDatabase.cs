using System.Data.Common;
using Dapper;
using Earnest.Storage;
using Npgsql;

namespace Earnest.Postgres;

/// <summary>
/// The store on PostgreSQL (one <see cref="NpgsqlDataSource"/>), for deployments where several server processes
/// share one database. Writes keep the group commits of <see cref="Database"/>, and every group takes one
/// cluster-wide transaction lock (an advisory lock) before its first statement, so the servers' commits form one
/// serial history: a task slot cannot be leased twice, a submission cannot be paid twice, and the blocks stay one
/// gap-free chain. A server notices, through <c>store_generation</c>, when another one committed since it last did,
/// and re-reads what it had cached (balances, the chain's head, the time base).
/// </summary>
public sealed class PostgresDatabase : Database
{
    /// <summary>The advisory lock every group commit holds (an arbitrary constant: "earnest" in ASCII).</summary>
    public const long WriteLock = 0x6561726e657374;

    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlConnection _writer;
    private long _generation = -1;

    private PostgresDatabase(string connectionString, TimeProvider time) : base(time)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            // The writer's held-back writes travel as batches, which only Npgsql's automatic preparation keeps
            // prepared (planned once on the server, as the writer's own prepared commands are).
            builder.ConnectionStringBuilder.MaxAutoPrepare = 256;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }
        _source = builder.Build();
        ConnectionString = connectionString;
        _writer = _source.OpenConnection();
        Migrate();
        StartWriter();
    }

    /// <summary>The connection string it was opened with.</summary>
    public string ConnectionString { get; }

    /// <inheritdoc />
    public override SqlDialect Sql { get; } = new PostgresDialect();

    /// <inheritdoc />
    protected override DbConnection Writer => _writer;

    /// <inheritdoc />
    protected override bool HoldsBackWrites => true;

    /// <summary>Connects, applies the migrations this server knows and the database lacks, and starts the writer.</summary>
    public static PostgresDatabase Open(string connectionString, TimeProvider time) => new(connectionString, time);

    /// <summary>True when the text is a PostgreSQL connection string rather than a path ("Host=…").</summary>
    public static bool IsConnectionString(string? text) =>
        text is not null && text.Contains('=', StringComparison.Ordinal) &&
        text.Contains("host", StringComparison.OrdinalIgnoreCase);

    private void Migrate()
    {
        // Servers starting together migrate one at a time.
        using var transaction = _writer.BeginTransaction();
        _writer.Execute("SELECT pg_advisory_xact_lock(@WriteLock)", new { WriteLock }, transaction);
        _writer.Execute("""
            CREATE TABLE IF NOT EXISTS earnest_migrations(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """, transaction: transaction);
        var applied = _writer.ExecuteScalar<int?>("SELECT MAX(version) FROM earnest_migrations", transaction: transaction) ?? 0;
        for (var v = applied; v < PostgresSchema.Versions.Length; v++)
        {
            _writer.Execute(PostgresSchema.Versions[v], transaction: transaction);
            if (v + 1 == PostgresSchema.LogVersion)
            {
                Earnest.Ledger.LedgerLog.Backfill(_writer, transaction);
            }
            _writer.Execute("INSERT INTO earnest_migrations(version) VALUES (@version)", new { version = v + 1 }, transaction);
        }
        transaction.Commit();
    }

    /// <inheritdoc />
    protected override DbConnection OpenReader() => _source.OpenConnection();

    /// <inheritdoc />
    protected override void GroupStarting(StoreTx tx)
    {
        tx.Execute("SELECT pg_advisory_xact_lock(@WriteLock)", new { WriteLock });
        var generation = tx.Scalar<long>("UPDATE store_generation SET n = n + 1 RETURNING n");
        if (generation != _generation + 1)
        {
            // Another server committed in between (or this is the first group): re-read, don't trust the cache.
            ObserveTime(tx.Scalar<long?>("SELECT MAX(timestamp) FROM transfers") ?? 0);
            StoreChangedElsewhere(tx);
        }
        _generation = generation;
    }

    /// <inheritdoc />
    protected override void GroupFailed()
    {
        _generation = -1;
        if (_writer.FullState.HasFlag(System.Data.ConnectionState.Broken) || _writer.State != System.Data.ConnectionState.Open)
        {
            try
            {
                _writer.Close();
                _writer.Open();
            }
            catch (NpgsqlException)
            {
                // The database is unreachable: the next group fails on the closed connection and tries again here.
            }
        }
    }

    /// <summary>A lost connection or server fails the whole group; a statement's error fails only its piece.</summary>
    protected override bool IsStoreFailure(Exception error) =>
        error is NpgsqlException and not PostgresException || error is PostgresException { IsTransient: true };

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _source.Dispose();
        }
    }

    private sealed class PostgresDialect : SqlDialect
    {
        public override string IndexedBy(string index) => "";
    }
}

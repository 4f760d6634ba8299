using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Earnest.Storage;

/// <summary>
/// One prepared single-value query by a text key, stepped through SQLite's own interface: the writer checks every new
/// transfer id against the ledger's index, and through ADO.NET each check cost about 4 µs of a transfer's 8, mostly
/// the command and reader objects around a lookup SQLite itself does in well under one.
/// </summary>
internal sealed class SqliteLookup : IDisposable
{
    private readonly sqlite3_stmt _statement;
    private readonly sqlite3 _db;

    /// <summary>Prepares <paramref name="sql"/> (one parameter, one integer column) on an open connection.</summary>
    public SqliteLookup(SqliteConnection connection, string sql)
    {
        _db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(_db, sql, out _statement);
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException($"preparing a lookup failed: {raw.sqlite3_errmsg(connection.Handle).utf8_to_string()}", rc);
        }
    }

    /// <summary>The value of the row whose key is <paramref name="key"/>, or null when there is none.</summary>
    public long? Find(string key)
    {
        var length = Encoding.UTF8.GetMaxByteCount(key.Length);
        Span<byte> utf8 = length <= 1024 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(key, utf8);
        try
        {
            raw.sqlite3_bind_text(_statement, 1, utf8[..written]);
            var rc = raw.sqlite3_step(_statement);
            return rc switch
            {
                raw.SQLITE_ROW => raw.sqlite3_column_int64(_statement, 0),
                raw.SQLITE_DONE => null,
                _ => throw new SqliteException($"a lookup failed with SQLite error {rc}", rc),
            };
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>True between <see cref="BeginSnapshot"/> and <see cref="EndSnapshot"/>.</summary>
    public bool InSnapshot { get; private set; }

    /// <summary>
    /// Starts a read transaction: the lookups until <see cref="EndSnapshot"/> see the file as of the first of them
    /// (one lock round trip for them all instead of one each).
    /// </summary>
    public void BeginSnapshot()
    {
        Exec("BEGIN");
        InSnapshot = true;
    }

    /// <summary>Ends the read transaction, if one is open.</summary>
    public void EndSnapshot()
    {
        if (InSnapshot)
        {
            InSnapshot = false;
            Exec("COMMIT");
        }
    }

    private void Exec(string sql)
    {
        var rc = raw.sqlite3_exec(_db, sql);
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException($"{sql} failed: {raw.sqlite3_errmsg(_db).utf8_to_string()}", rc);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        EndSnapshot();
        _statement.Dispose();
    }
}

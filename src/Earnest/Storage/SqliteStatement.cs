using System.Collections;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Earnest.Storage;

/// <summary>
/// One of the embedded writer's statements, prepared once on the connection's SQLite handle and run through SQLite's
/// own API. Microsoft.Data.Sqlite looks every parameter up by name and rebuilds its reader's state on each execution;
/// for the writer's short statements that was a third of its time (measured, bench/README.md §5). The statement runs
/// inside whatever transaction the connection has open, and a failure is raised as the
/// <see cref="SqliteException"/> Microsoft.Data.Sqlite would raise. Values are bound and read as it does: integers
/// as 64-bit, reals as doubles, text, blobs.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private const uint PreparePersistent = 0x01;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly int[] _slots;
    private readonly bool _readOnly;
    private readonly Reader _reader;

    private SqliteStatement(sqlite3 db, sqlite3_stmt stmt, int[] slots)
    {
        _db = db;
        _stmt = stmt;
        _slots = slots;
        _readOnly = raw.sqlite3_stmt_readonly(stmt) != 0;
        _reader = new Reader(this);
    }

    /// <summary>
    /// Prepares <paramref name="sql"/> with its parameters named <paramref name="names"/> (without the @); null when
    /// it is not one statement whose parameters are exactly those (the caller then uses a command).
    /// </summary>
    public static SqliteStatement? TryPrepare(SqliteConnection connection, string sql, IReadOnlyList<string> names)
    {
        var db = connection.Handle!;
        if (raw.sqlite3_prepare_v3(db, sql, PreparePersistent, out var stmt, out var tail) != raw.SQLITE_OK)
        {
            stmt?.Dispose();
            return null;
        }
        var slots = names.Select(name => raw.sqlite3_bind_parameter_index(stmt, "@" + name)).ToArray();
        if (!string.IsNullOrWhiteSpace(tail) || slots.Any(slot => slot == 0)
            || raw.sqlite3_bind_parameter_count(stmt) != slots.Length)
        {
            stmt.Dispose();
            return null;
        }
        return new SqliteStatement(db, stmt, slots);
    }

    /// <summary>True when <paramref name="value"/> is of a type this statement binds (others go through a command).</summary>
    public static bool CanBind(object? value) => value is null or DBNull or long or int or short or byte or sbyte or ushort
        or uint or bool or double or float or string or byte[];

    /// <summary>Binds the values in parameter order (each one <see cref="CanBind"/>).</summary>
    public void Bind(ReadOnlySpan<object?> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            var slot = _slots[i];
            var rc = values[i] switch
            {
                null or DBNull => raw.sqlite3_bind_null(_stmt, slot),
                string text => raw.sqlite3_bind_text(_stmt, slot, text),
                long number => raw.sqlite3_bind_int64(_stmt, slot, number),
                int number => raw.sqlite3_bind_int64(_stmt, slot, number),
                bool flag => raw.sqlite3_bind_int64(_stmt, slot, flag ? 1 : 0),
                double real => raw.sqlite3_bind_double(_stmt, slot, real),
                float real => raw.sqlite3_bind_double(_stmt, slot, real),
                byte[] { Length: 0 } => raw.sqlite3_bind_zeroblob(_stmt, slot, 0),
                byte[] bytes => raw.sqlite3_bind_blob(_stmt, slot, bytes),
                var other => raw.sqlite3_bind_int64(_stmt, slot, Convert.ToInt64(other, CultureInfo.InvariantCulture)),
            };
            Check(rc);
        }
    }

    /// <summary>Runs the statement to its end; answers the rows it changed (-1 for a statement that writes nothing).</summary>
    public int ExecuteNonQuery()
    {
        try
        {
            while (Step())
            {
            }
            return _readOnly ? -1 : raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_stmt);
        }
    }

    /// <summary>The first column of the first row, or null when there is no row.</summary>
    public object? ExecuteScalar()
    {
        try
        {
            return Step() ? _reader.GetValue(0) : null;
        }
        finally
        {
            raw.sqlite3_reset(_stmt);
        }
    }

    /// <summary>The statement's rows; disposing the reader resets the statement for its next run.</summary>
    public DbDataReader ExecuteReader()
    {
        _reader.Open();
        return _reader;
    }

    /// <summary>True on a row, false at the end; a failure throws as Microsoft.Data.Sqlite does.</summary>
    private bool Step()
    {
        var rc = raw.sqlite3_step(_stmt);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }
        if (rc == raw.SQLITE_DONE)
        {
            return false;
        }
        raw.sqlite3_reset(_stmt);
        SqliteException.ThrowExceptionForRC(rc, _db);
        return false;
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stmt.Dispose();

    /// <summary>
    /// The statement's rows as ADO.NET sees them, so Dapper's row parsers read them. A value's type is that of the
    /// value, as SQLite keeps it (a NULL takes its column's declared type), as Microsoft.Data.Sqlite reports it.
    /// </summary>
    private sealed class Reader(SqliteStatement statement) : DbDataReader
    {
        private readonly sqlite3_stmt _stmt = statement._stmt;
        private string[]? _names;
        private Type?[]? _declared;
        private bool _open;

        public void Open() => _open = true;

        public override bool Read() => statement.Step();

        public override void Close()
        {
            if (_open)
            {
                _open = false;
                raw.sqlite3_reset(_stmt);
            }
        }

        protected override void Dispose(bool disposing)
        {
            Close();
            // Reused by the statement's next run: nothing else to release.
        }

        public override int FieldCount => raw.sqlite3_column_count(_stmt);

        public override string GetName(int ordinal)
        {
            _names ??= Enumerable.Range(0, FieldCount).Select(i => raw.sqlite3_column_name(_stmt, i).utf8_to_string()).ToArray();
            return _names[ordinal];
        }

        public override int GetOrdinal(string name)
        {
            for (var i = 0; i < FieldCount; i++)
            {
                if (string.Equals(GetName(i), name, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }
            throw new IndexOutOfRangeException(name);
        }

        public override Type GetFieldType(int ordinal) => raw.sqlite3_column_type(_stmt, ordinal) switch
        {
            raw.SQLITE_INTEGER => typeof(long),
            raw.SQLITE_FLOAT => typeof(double),
            raw.SQLITE_TEXT => typeof(string),
            raw.SQLITE_BLOB => typeof(byte[]),
            _ => Declared(ordinal),
        };

        /// <summary>The type of a column's NULL: by its declared type's affinity, as SQLite defines it.</summary>
        private Type Declared(int ordinal)
        {
            _declared ??= new Type?[FieldCount];
            return _declared[ordinal] ??= (raw.sqlite3_column_decltype(_stmt, ordinal).utf8_to_string() ?? "")
                .ToUpperInvariant() switch
            {
                var t when t.Contains("INT", StringComparison.Ordinal) => typeof(long),
                var t when t.Contains("CHAR", StringComparison.Ordinal) || t.Contains("CLOB", StringComparison.Ordinal)
                                                                         || t.Contains("TEXT", StringComparison.Ordinal) => typeof(string),
                var t when t.Length == 0 || t.Contains("BLOB", StringComparison.Ordinal) => typeof(byte[]),
                _ => typeof(double),
            };
        }

        public override string GetDataTypeName(int ordinal) =>
            raw.sqlite3_column_decltype(_stmt, ordinal).utf8_to_string() ?? GetFieldType(ordinal).Name;

        public override object GetValue(int ordinal) => raw.sqlite3_column_type(_stmt, ordinal) switch
        {
            raw.SQLITE_INTEGER => raw.sqlite3_column_int64(_stmt, ordinal),
            raw.SQLITE_FLOAT => raw.sqlite3_column_double(_stmt, ordinal),
            raw.SQLITE_TEXT => raw.sqlite3_column_text(_stmt, ordinal).utf8_to_string(),
            raw.SQLITE_BLOB => raw.sqlite3_column_blob(_stmt, ordinal).ToArray(),
            _ => DBNull.Value,
        };

        public override int GetValues(object[] values)
        {
            var count = Math.Min(values.Length, FieldCount);
            for (var i = 0; i < count; i++)
            {
                values[i] = GetValue(i);
            }
            return count;
        }

        public override bool IsDBNull(int ordinal) => raw.sqlite3_column_type(_stmt, ordinal) == raw.SQLITE_NULL;

        public override object this[int ordinal] => GetValue(ordinal);

        public override object this[string name] => GetValue(GetOrdinal(name));

        public override long GetInt64(int ordinal) => raw.sqlite3_column_int64(_stmt, ordinal);

        public override int GetInt32(int ordinal) => checked((int)GetInt64(ordinal));

        public override short GetInt16(int ordinal) => checked((short)GetInt64(ordinal));

        public override byte GetByte(int ordinal) => checked((byte)GetInt64(ordinal));

        public override bool GetBoolean(int ordinal) => GetInt64(ordinal) != 0;

        public override double GetDouble(int ordinal) => raw.sqlite3_column_double(_stmt, ordinal);

        public override float GetFloat(int ordinal) => (float)GetDouble(ordinal);

        public override string GetString(int ordinal) => raw.sqlite3_column_text(_stmt, ordinal).utf8_to_string();

        public override decimal GetDecimal(int ordinal) => Convert.ToDecimal(GetValue(ordinal), CultureInfo.InvariantCulture);

        public override DateTime GetDateTime(int ordinal) => throw new NotSupportedException("The store keeps times as integers.");

        public override Guid GetGuid(int ordinal) => throw new NotSupportedException("The store keeps ids as text.");

        public override char GetChar(int ordinal) => GetString(ordinal)[0];

        public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length) =>
            throw new NotSupportedException("Read the blob whole with GetValue.");

        public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length) =>
            throw new NotSupportedException("Read the text whole with GetString.");

        public override int Depth => 0;

        public override bool HasRows => throw new NotSupportedException("Call Read.");

        public override bool IsClosed => !_open;

        public override int RecordsAffected => -1;

        public override bool NextResult() => false;

        public override IEnumerator GetEnumerator() => throw new NotSupportedException("Call Read.");
    }
}

using System.Collections;
using System.Collections.Concurrent;
using System.Data.Common;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Earnest.Storage;

/// <summary>
/// The writer's statements, each made once per SQL text and parameter type and then reused, so the store parses and
/// plans it once rather than on every call (measured on this machine: a typical lease query 30 µs through a new
/// command each time against 10 µs reused, an UPDATE 11.5 µs against 3 µs; a piece of work runs a dozen). On the
/// embedded store a statement runs on SQLite's own API (<see cref="SqliteStatement"/>). Parameters are bound from an
/// object's public properties, as Dapper does; an object whose properties Dapper would expand (a list for
/// <c>IN @ids</c>) is left to Dapper (<see cref="Get"/> answers null).
/// </summary>
internal sealed class PreparedCommands : IDisposable
{
    private readonly Dictionary<(string Sql, Type? Type), Prepared> _statements = [];
    private DbConnection? _connection;

    /// <summary>The statement for <paramref name="sql"/> with <paramref name="parameters"/> bound, or null for Dapper.</summary>
    public Prepared? Get(DbConnection connection, DbTransaction transaction, string sql, object? parameters)
    {
        if (!ReferenceEquals(connection, _connection))
        {
            Dispose();
            _connection = connection;
        }
        var type = parameters?.GetType();
        if (!_statements.TryGetValue((sql, type), out var statement))
        {
            // Only the properties the statement names, as Dapper does: PostgreSQL refuses a parameter it cannot type.
            var binder = type is null ? null : Binder.For(type, sql);
            if (type is not null && binder is null)
            {
                return null;
            }
            statement = new Prepared(connection, sql, binder);
            _statements[(sql, type)] = statement;
        }
        statement.Bind(transaction, parameters);
        return statement;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }
        _statements.Clear();
    }

    /// <summary>
    /// One reused statement: on the embedded store run on SQLite's own API (<see cref="SqliteStatement"/>), else, or
    /// for a value of a type it does not bind, through an ADO.NET command prepared once.
    /// </summary>
    internal sealed class Prepared : IDisposable
    {
        private readonly DbConnection _connection;
        private readonly string _sql;
        private readonly Binder? _binder;
        private readonly object?[] _values;
        private readonly SqliteStatement? _sqlite;
        private DbCommand? _command;
        private bool _viaCommand;
        private readonly Dictionary<(Type Row, int Types), Delegate> _parsers = [];

        public Prepared(DbConnection connection, string sql, Binder? binder)
        {
            _connection = connection;
            _sql = sql;
            _binder = binder;
            _values = new object?[binder?.Names.Length ?? 0];
            _sqlite = connection is SqliteConnection sqlite ? SqliteStatement.TryPrepare(sqlite, sql, binder?.Names ?? []) : null;
        }

        /// <summary>Binds the parameters' values for the next run.</summary>
        public void Bind(DbTransaction transaction, object? parameters)
        {
            _binder?.Values(parameters!, _values);
            _viaCommand = _sqlite is null || !Array.TrueForAll(_values, SqliteStatement.CanBind);
            if (!_viaCommand)
            {
                _sqlite!.Bind(_values);
                return;
            }
            var fresh = _command is null;
            if (_command is null)
            {
                _command = _connection.CreateCommand();
                _command.CommandText = _sql;
                foreach (var name in _binder?.Names ?? [])
                {
                    var parameter = _command.CreateParameter();
                    parameter.ParameterName = "@" + name;
                    _command.Parameters.Add(parameter);
                }
            }
            _command.Transaction = transaction;
            for (var i = 0; i < _values.Length; i++)
            {
                _command.Parameters[i].Value = _values[i];
            }
            if (fresh)
            {
                // Prepared once its parameters have values to type them by (PostgreSQL then keeps its plan server-side).
                _command.Prepare();
            }
        }

        /// <summary>
        /// Dapper's row parser for this statement's rows, made once per row type and column types: a prepared
        /// statement's column names never change, and asking Dapper each time read and hashed every name (5 % of the
        /// writer's time). The types are part of the key as in Dapper's own cache (SQLite types a value, not a column).
        /// </summary>
        public Func<DbDataReader, T> RowParser<T>(DbDataReader reader)
        {
            var types = 17;
            for (var i = 0; i < reader.FieldCount; i++)
            {
                types = unchecked(types * 31 + reader.GetFieldType(i).GetHashCode());
            }
            if (!_parsers.TryGetValue((typeof(T), types), out var parser))
            {
                parser = Dapper.SqlMapper.GetRowParser<T>(reader);
                _parsers[(typeof(T), types)] = parser;
            }
            return (Func<DbDataReader, T>)parser;
        }

        public int ExecuteNonQuery() => _viaCommand ? _command!.ExecuteNonQuery() : _sqlite!.ExecuteNonQuery();

        public DbDataReader ExecuteReader() => _viaCommand ? _command!.ExecuteReader() : _sqlite!.ExecuteReader();

        public object? ExecuteScalar() => _viaCommand ? _command!.ExecuteScalar() : _sqlite!.ExecuteScalar();

        public void Dispose()
        {
            _sqlite?.Dispose();
            _command?.Dispose();
        }
    }

    /// <summary>Reads an object's public properties as a statement's parameters, in order.</summary>
    internal sealed class Binder(string[] names, Func<object, object?>[] getters)
    {
        private static readonly ConcurrentDictionary<Type, Binder?> Binders = new();

        public string[] Names { get; } = names;

        /// <summary>The binder of a parameter type, or null when one of its properties is a list Dapper would expand.</summary>
        public static Binder? For(Type type) => Binders.GetOrAdd(type, Create);

        /// <summary>The binder of a parameter type narrowed to what <paramref name="sql"/> names (kept), or null.</summary>
        public static Binder? For(Type type, string sql) =>
            ForStatement.GetOrAdd((type, sql), static key => For(key.Type)?.For(key.Sql));

        private static readonly ConcurrentDictionary<(Type Type, string Sql), Binder?> ForStatement = new();

        /// <summary>This binder narrowed to the properties <paramref name="sql"/> names.</summary>
        public Binder For(string sql)
        {
            var used = Names.Select((name, i) => (name, i))
                .Where(p => Regex.IsMatch(sql, $@"@{Regex.Escape(p.name)}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant))
                .ToArray();
            return new Binder(used.Select(p => p.name).ToArray(), used.Select(p => getters[p.i]).ToArray());
        }

        /// <summary>The parameters' values in order, as ADO.NET takes them (DBNull for null, an enum as its number).</summary>
        public void Values(object parameters, object?[] values)
        {
            for (var i = 0; i < getters.Length; i++)
            {
                values[i] = getters[i](parameters) switch
                {
                    null => DBNull.Value,
                    Enum value => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
                    var value => value,
                };
            }
        }

        private static Binder? Create(Type type)
        {
            var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanRead && p.GetIndexParameters().Length == 0).ToArray();
            if (properties.Any(p => p.PropertyType != typeof(string) && p.PropertyType != typeof(byte[]) &&
                                    typeof(IEnumerable).IsAssignableFrom(p.PropertyType)))
            {
                return null;
            }
            var getters = properties.Select(p =>
            {
                var instance = Expression.Parameter(typeof(object));
                var body = Expression.Convert(Expression.Property(Expression.Convert(instance, type), p), typeof(object));
                return Expression.Lambda<Func<object, object?>>(body, instance).Compile();
            }).ToArray();
            return new Binder(properties.Select(p => p.Name).ToArray(), getters);
        }
    }
}

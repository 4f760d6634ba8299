using System.Collections;
using System.Collections.Concurrent;
using System.Data.Common;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Earnest.Storage;

/// <summary>
/// The writer's statements, each made once per SQL text and parameter type and then reused, so the store parses and
/// plans it once rather than on every call (measured on this machine: a typical lease query 30 µs through a new
/// command each time against 10 µs reused, an UPDATE 11.5 µs against 3 µs; a piece of work runs a dozen). Parameters
/// are bound from an object's public properties, as Dapper does; an object whose properties Dapper would expand (a
/// list for <c>IN @ids</c>) is left to Dapper (<see cref="Get"/> answers null).
/// </summary>
internal sealed class PreparedCommands : IDisposable
{
    private readonly Dictionary<(string Sql, Type? Type), (DbCommand Command, Binder? Binder)> _commands = [];
    private readonly Dictionary<(DbCommand Command, Type Row, int Types), Delegate> _parsers = [];
    private DbConnection? _connection;

    /// <summary>The command for <paramref name="sql"/> with <paramref name="parameters"/> bound, or null for Dapper.</summary>
    public DbCommand? Get(DbConnection connection, DbTransaction transaction, string sql, object? parameters)
    {
        if (!ReferenceEquals(connection, _connection))
        {
            Dispose();
            _connection = connection;
        }
        var type = parameters?.GetType();
        var fresh = !_commands.TryGetValue((sql, type), out var entry);
        if (fresh)
        {
            var binder = type is null ? null : Binder.For(type);
            if (type is not null && binder is null)
            {
                return null;
            }
            // Only the properties the statement names, as Dapper does: PostgreSQL refuses a parameter it cannot type.
            binder = binder?.For(sql);
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in binder?.Names ?? [])
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = "@" + name;
                command.Parameters.Add(parameter);
            }
            entry = (command, binder);
            _commands[(sql, type)] = entry;
        }
        entry.Command.Transaction = transaction;
        entry.Binder?.Bind(entry.Command, parameters!);
        if (fresh)
        {
            // Prepared once its parameters have values to type them by (PostgreSQL then keeps its plan server-side).
            entry.Command.Prepare();
        }
        return entry.Command;
    }

    /// <summary>
    /// Dapper's row parser for a command's rows, made once per command, row type and column types: a prepared
    /// statement's column names never change, and asking Dapper each time read and hashed every name (5 % of the
    /// writer's time). The types are part of the key as in Dapper's own cache (SQLite types a value, not a column).
    /// </summary>
    public Func<DbDataReader, T> RowParser<T>(DbCommand command, DbDataReader reader)
    {
        var types = 17;
        for (var i = 0; i < reader.FieldCount; i++)
        {
            types = unchecked(types * 31 + reader.GetFieldType(i).GetHashCode());
        }
        if (!_parsers.TryGetValue((command, typeof(T), types), out var parser))
        {
            parser = Dapper.SqlMapper.GetRowParser<T>(reader);
            _parsers[(command, typeof(T), types)] = parser;
        }
        return (Func<DbDataReader, T>)parser;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _parsers.Clear();
        foreach (var (command, _) in _commands.Values)
        {
            command.Dispose();
        }
        _commands.Clear();
    }

    /// <summary>Reads an object's public properties into a command's parameters, in order.</summary>
    private sealed class Binder(string[] names, Func<object, object?>[] getters)
    {
        private static readonly ConcurrentDictionary<Type, Binder?> Binders = new();

        public string[] Names { get; } = names;

        /// <summary>The binder of a parameter type, or null when one of its properties is a list Dapper would expand.</summary>
        public static Binder? For(Type type) => Binders.GetOrAdd(type, Create);

        /// <summary>This binder narrowed to the properties <paramref name="sql"/> names.</summary>
        public Binder For(string sql)
        {
            var used = Names.Select((name, i) => (name, i))
                .Where(p => Regex.IsMatch(sql, $@"@{Regex.Escape(p.name)}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant))
                .ToArray();
            return new Binder(used.Select(p => p.name).ToArray(), used.Select(p => getters[p.i]).ToArray());
        }

        public void Bind(DbCommand command, object parameters)
        {
            for (var i = 0; i < getters.Length; i++)
            {
                command.Parameters[i].Value = getters[i](parameters) switch
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

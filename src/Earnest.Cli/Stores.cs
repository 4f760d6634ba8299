using Earnest.Postgres;
using Earnest.Storage;
using Npgsql;

namespace Earnest.Cli;

/// <summary>Which store a command opens: the embedded SQLite file, or PostgreSQL when a connection string is given.</summary>
public static class Stores
{
    /// <summary>The opener for <see cref="Node.OpenAsync"/>: null for the embedded store.</summary>
    public static Func<TimeProvider, Database>? Opener(string? database)
    {
        if (string.IsNullOrWhiteSpace(database))
        {
            return null;
        }
        Check(database);
        return time =>
        {
            try
            {
                return PostgresDatabase.Open(database, time);
            }
            catch (NpgsqlException ex)
            {
                throw new CliException($"cannot open the PostgreSQL database: {ex.Message}");
            }
        };
    }

    /// <summary>A one-line error unless the text parses as a connection string.</summary>
    public static void Check(string database)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(database);
        }
        catch (ArgumentException ex)
        {
            throw new CliException($"--database is not a PostgreSQL connection string ({ex.Message})");
        }
    }
}

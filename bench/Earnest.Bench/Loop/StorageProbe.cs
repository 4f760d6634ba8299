using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Earnest.Bench.Loop;

/// <summary>What the storage under the temp folder costs per commit with one SQLite setting.</summary>
internal sealed record ProbeResult(string Synchronous, int Commits, double CommitsPerSecond, LatencySummary Commit);

/// <summary>
/// The floor under every write of the engine: commits of a one-row transaction on a WAL database in the same temp
/// folder, with <c>synchronous=FULL</c> (the engine's setting: the WAL is fsynced on every commit), <c>NORMAL</c>
/// (no fsync at commit, only at checkpoints) and <c>OFF</c>. The difference between FULL and the others is the
/// price of the fsync; it bounds how many write transactions per second one SQLite writer can make.
/// </summary>
internal static class StorageProbe
{
    /// <summary>How long each setting is measured.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(1.5);

    /// <summary>Commits per setting at most, so a fast disk does not fill the temp folder.</summary>
    public const int MaxCommits = 20_000;

    public static IReadOnlyList<ProbeResult> Run() => new[] { "FULL", "NORMAL", "OFF" }.Select(Measure).ToList();

    private static ProbeResult Measure(string synchronous)
    {
        var folder = MarketSetup.NewDataFolder();
        try
        {
            var builder = new SqliteConnectionStringBuilder
            {
                DataSource = Path.Combine(folder, "probe.db"),
                Pooling = false,
            };
            using var connection = new SqliteConnection(builder.ToString());
            connection.Open();
            Execute(connection, $"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous};");
            Execute(connection, "CREATE TABLE probe(id INTEGER PRIMARY KEY, payload TEXT NOT NULL);");
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO probe(payload) VALUES ($payload)";
            var payload = insert.Parameters.Add("$payload", SqliteType.Text);
            payload.Value = new string('x', 200);
            var log = new LatencyLog();
            var started = Stopwatch.GetTimestamp();
            var commits = 0;
            while (Stopwatch.GetElapsedTime(started) < Duration && commits < MaxCommits)
            {
                var t0 = Stopwatch.GetTimestamp();
                using (var transaction = connection.BeginTransaction(deferred: false))
                {
                    insert.Transaction = transaction;
                    insert.ExecuteNonQuery();
                    transaction.Commit();
                }
                log.Add(t0);
                commits++;
            }
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            return new ProbeResult(synchronous, commits, commits / seconds, LatencyLog.Summarize([log]));
        }
        finally
        {
            MarketSetup.DeleteDataFolder(folder);
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

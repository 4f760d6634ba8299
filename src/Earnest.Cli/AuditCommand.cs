using System.CommandLine;
using Earnest.Audit;

namespace Earnest.Cli;

/// <summary><c>earnest audit DATA</c>: replays a node's history from genesis and checks every invariant.</summary>
public static class AuditCommand
{
    /// <summary>Exit code when the audit finds an inconsistency.</summary>
    public const int Inconsistent = 1;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var data = new Argument<string>("data") { Description = "The node's data folder (holding earnest.db and network.key)." };
        var signer = new Option<string?>("--signer")
        {
            Description = "The network key every signature must verify under (default: the data folder's network.key).",
        };
        var database = new Option<string?>("--database")
        {
            Description = "Audit this PostgreSQL database (a connection string) instead of the data folder's SQLite file; " +
                          "the network key still comes from the data folder unless --signer gives it.",
        };
        var command = new Command("audit",
            "Replay the whole ledger from genesis: balances, blocks, Merkle roots, signatures, conservation, and every " +
            "verification decision and payment; exit 1 naming the first inconsistency.") { data, signer, database };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(data)!;
            if (!Directory.Exists(folder))
            {
                throw new CliException($"no data folder at {folder}");
            }
            AuditReport report;
            try
            {
                report = parse.GetValue(database) is { Length: > 0 } connectionString
                    ? AuditPostgres(connectionString, parse.GetValue(signer) ?? Auditor.SignerOf(folder))
                    : Auditor.Run(folder, parse.GetValue(signer));
            }
            catch (FileNotFoundException ex)
            {
                throw new CliException(ex.Message);
            }
            foreach (var line in report.Summary)
            {
                Console.WriteLine("  " + line);
            }
            if (!report.Passed)
            {
                Console.Error.WriteLine("earnest: audit failed: " + report.Failure);
                return Inconsistent;
            }
            Console.WriteLine("audit passed");
            return 0;
        });
        return command;
    }

    /// <summary>Audits a PostgreSQL store inside one repeatable-read snapshot, while servers keep writing.</summary>
    private static AuditReport AuditPostgres(string connectionString, string signer)
    {
        Stores.Check(connectionString);
        try
        {
            using var connection = new Npgsql.NpgsqlConnection(connectionString);
            connection.Open();
            using var snapshot = connection.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
            return Auditor.Run(connection, snapshot, signer);
        }
        catch (Npgsql.NpgsqlException ex)
        {
            throw new CliException($"cannot read the PostgreSQL database: {ex.Message}");
        }
    }
}

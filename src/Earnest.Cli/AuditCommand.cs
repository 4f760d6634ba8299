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
        var rpc = new Option<string?>("--rpc")
        {
            Description = "A Solana node's JSON-RPC URL: also read every final anchor's transaction back from the chain " +
                          "and check its memo names the anchored block's height and hash.",
        };
        var command = new Command("audit",
            "Replay the whole ledger from genesis: balances, blocks, Merkle roots, signatures, conservation, every " +
            "verification decision and payment, withdrawals, deposits and anchors; exit 1 naming the first inconsistency.")
        {
            data, signer, database, rpc,
        };
        command.SetAction(async (parse, ct) =>
        {
            var folder = parse.GetValue(data)!;
            if (!Directory.Exists(folder))
            {
                throw new CliException($"no data folder at {folder}");
            }
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var chain = parse.GetValue(rpc) is { Length: > 0 } url ? Chain(http, url) : null;
            AuditReport report;
            try
            {
                report = parse.GetValue(database) is { Length: > 0 } connectionString
                    ? await AuditPostgresAsync(connectionString, parse.GetValue(signer) ?? Auditor.SignerOf(folder), chain, ct)
                    : await Auditor.RunAsync(folder, parse.GetValue(signer), chain, ct: ct);
            }
            catch (FileNotFoundException ex)
            {
                throw new CliException(ex.Message);
            }
            catch (Exception ex) when (ex is Earnest.Solana.Rpc.SolanaRpcException or Earnest.Solana.Rpc.SolanaRpcTransportException
                                           or InvalidDataException)
            {
                throw new CliException($"cannot read the anchors from {parse.GetValue(rpc)}: {ex.Message}");
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

    private static Earnest.Solana.Rpc.SolanaRpcClient Chain(HttpClient http, string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? new Earnest.Solana.Rpc.SolanaRpcClient(http, uri)
            : throw new CliException($"--rpc must be an http URL, not '{url}'.");

    /// <summary>Audits a PostgreSQL store inside one repeatable-read snapshot, while servers keep writing.</summary>
    private static async Task<AuditReport> AuditPostgresAsync(string connectionString, string signer,
        Earnest.Solana.Rpc.SolanaRpcClient? chain, CancellationToken ct)
    {
        Stores.Check(connectionString);
        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(connectionString);
            await connection.OpenAsync(ct);
            await using var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
            return await Auditor.RunAsync(connection, snapshot, signer, chain, ct: ct);
        }
        catch (Npgsql.NpgsqlException ex)
        {
            throw new CliException($"cannot read the PostgreSQL database: {ex.Message}");
        }
    }
}

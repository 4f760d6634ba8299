using System.Diagnostics;
using Earnest.Identity;
using Earnest.Ledger;

namespace Earnest.Bench.Ledger;

/// <summary>
/// Durable ledger throughput on the embedded store: producers post batches of transfers between funded accounts as
/// pieces of the writer's group commits (WAL, synchronous=FULL: one fsync per commit), each commit sealing a signed
/// block. Then receipt proof generation for random transfers: the Merkle path alone, and the whole receipt (path,
/// block header and the payload's Ed25519 signature).
/// </summary>
public static class LedgerBenchmark
{
    private static long _workTicks;

    /// <summary>Runs it and prints the figures.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var transfers = Option(args, "--transfers", 1_000_000);
        var accounts = Option(args, "--accounts", 10_000);
        var batch = Option(args, "--batch", 1_000);
        var producers = Option(args, "--producers", 4);
        var folder = Path.Combine(Path.GetTempPath(), "earnest-ledger-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var node = await Node.OpenAsync(new EarnestOptions { DataFolder = folder });
            var names = Enumerable.Range(0, accounts).Select(i => $"acct-{i:D6}").ToArray();
            await node.Database.WriteAsync(tx =>
            {
                foreach (var name in names)
                {
                    Postings.Post(tx, node.Key, new TransferRequest("seed:" + name, SystemAccounts.Issuance("EARN"), name,
                        "EARN", 1_000_000_000, TransferKinds.Mint, null), out _);
                }
                return 0;
            });
            if (args.Contains("--profile"))
            {
                await node.Database.WriteAsync(tx =>
                {
                    var c = (Microsoft.Data.Sqlite.SqliteConnection)tx.Connection;
                    var k = 0;
                    foreach (var sql in new[]
                    {
                        "INSERT INTO transfers(id, debit, credit, asset, amount, timestamp, kind, ref, payload) VALUES ($id, $d, $c, 'EARN', 1, $ts, 'mint', NULL, $p)",
                        "INSERT INTO transfers(id, debit, credit, asset, amount, timestamp, kind, ref, payload) VALUES ($id, $d, $c, 'EARN', 1, $ts, 'mint', NULL, $p) ON CONFLICT(id) DO NOTHING",
                        "INSERT INTO transfers(id, debit, credit, asset, amount, timestamp, kind, ref, payload) VALUES ($id, $d, $c, 'EARN', 1, $ts, 'mint', NULL, $p) RETURNING seq",
                        "INSERT INTO transfers(id, debit, credit, asset, amount, timestamp, kind, ref, payload) VALUES ($id, $d, $c, 'EARN', 1, $ts, 'mint', NULL, $p)",
                    })
                    {
                        using var cmd = c.CreateCommand();
                        cmd.CommandText = sql;
                        cmd.Transaction = (Microsoft.Data.Sqlite.SqliteTransaction)tx.Transaction;
                        var pid = cmd.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Text);
                        var pd = cmd.Parameters.Add("$d", Microsoft.Data.Sqlite.SqliteType.Text);
                        var pc = cmd.Parameters.Add("$c", Microsoft.Data.Sqlite.SqliteType.Text);
                        var pts = cmd.Parameters.Add("$ts", Microsoft.Data.Sqlite.SqliteType.Integer);
                        var pp = cmd.Parameters.Add("$p", Microsoft.Data.Sqlite.SqliteType.Blob);
                        var r = new Random(1);
                        k++;
                        var sw = Stopwatch.StartNew();
                        for (var i = 0; i < 5000; i++)
                        {
                            pid.Value = k + "z" + i; pd.Value = names[r.Next(accounts)]; pc.Value = names[r.Next(accounts)];
                            pts.Value = 9_000_000_000_000_000L + i + k * 10000; pp.Value = new byte[250];
                            cmd.ExecuteScalar();
                        }
                        Console.WriteLine($"{sql[^20..]}: {sw.Elapsed.TotalMicroseconds / 5000:F1} us");
                    }
                    {
                        using var up = c.CreateCommand();
                        up.CommandText = "INSERT INTO balances(account, asset, amount) VALUES ($a, 'EARN', $m) ON CONFLICT(account, asset) DO UPDATE SET amount = excluded.amount";
                        up.Transaction = (Microsoft.Data.Sqlite.SqliteTransaction)tx.Transaction;
                        var pa = up.Parameters.Add("$a", Microsoft.Data.Sqlite.SqliteType.Text);
                        var pm = up.Parameters.Add("$m", Microsoft.Data.Sqlite.SqliteType.Integer);
                        var r2 = new Random(2);
                        var sw2 = Stopwatch.StartNew();
                        for (var i = 0; i < 5000; i++) { pa.Value = names[r2.Next(accounts)]; pm.Value = (long)i; up.ExecuteNonQuery(); }
                        Console.WriteLine($"upsert balance: {sw2.Elapsed.TotalMicroseconds / 5000:F1} us");
                        sw2.Restart();
                        for (var i = 0; i < 5000; i++) { MerkleTree.LeafHash(new byte[250]); }
                        Console.WriteLine($"leaf hash: {sw2.Elapsed.TotalMicroseconds / 5000:F1} us");
                    }
                    var t2 = Stopwatch.StartNew();
                    for (var i = 0; i < 5000; i++) { new Transfer("x" + i, "a", "b", "EARN", 5, 1_795_000_000_000_000, "mint", null).Payload(); }
                    Console.WriteLine($"payload: {t2.Elapsed.TotalMicroseconds / 5000:F1} us");
                    tx.Rollback();
                    return 0;
                });
                return 0;
            }
            var headBefore = node.Chain.Head!.Height;
            var next = -1L;
            var stopwatch = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
            {
                var random = new Random(p + 1);
                while (true)
                {
                    var start = Interlocked.Add(ref next, batch) - batch + 1;
                    if (start >= transfers)
                    {
                        return;
                    }
                    var requests = new List<TransferRequest>(batch);
                    for (var i = start; i < Math.Min(start + batch, transfers); i++)
                    {
                        var from = random.Next(accounts);
                        var to = (from + 1 + random.Next(accounts - 1)) % accounts;
                        requests.Add(new TransferRequest($"t{i}", names[from], names[to], "EARN", 1 + random.Next(100),
                            TransferKinds.Mint, null));
                    }
                    var failed = await node.Database.WriteAsync(tx =>
                    {
                        var started = Stopwatch.GetTimestamp();
                        var f = requests.Count(r => Postings.Post(tx, node.Key, r, out _) != TransferResult.Ok);
                        Interlocked.Add(ref _workTicks, Stopwatch.GetTimestamp() - started);
                        return f;
                    });
                    if (failed > 0)
                    {
                        throw new InvalidOperationException($"{failed} transfers of a batch failed");
                    }
                }
            })).ToArray();
            await Task.WhenAll(workers);
            stopwatch.Stop();
            var blocks = node.Chain.Head!.Height - headBefore;
            Console.WriteLine($"time inside the posting work: {Stopwatch.GetElapsedTime(0, _workTicks).TotalSeconds:F2} s");
            Console.WriteLine($"posted {transfers:N0} transfers among {accounts:N0} accounts in {stopwatch.Elapsed.TotalSeconds:F2} s: " +
                              $"{transfers / stopwatch.Elapsed.TotalSeconds:N0} transfers/s durable, {blocks:N0} blocks " +
                              $"(mean {transfers / Math.Max(1, blocks):N0} transfers per block); batch {batch}, producers {producers}");
            ProofTimes(node, transfers);
            node.CheckConservation();
            return 0;
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static void ProofTimes(Node node, long transfers)
    {
        var random = new Random(7);
        var picks = node.Database.Read(c => Enumerable.Range(0, 2_000)
            .Select(_ => Postings.Find(c, $"t{random.NextInt64(transfers)}", node.Key)!).ToList());
        // Cold: the blocks' trees are rebuilt from stored payloads; then hot: the trees are cached.
        foreach (var pass in new[] { "first (trees rebuilt from the store)", "again (trees cached)" })
        {
            var stopwatch = Stopwatch.StartNew();
            foreach (var p in picks)
            {
                _ = node.Chain.Prove(p) ?? throw new InvalidOperationException("no proof");
            }
            Console.WriteLine($"receipt with proof, {pass}: {stopwatch.Elapsed.TotalMicroseconds / picks.Count:F1} µs each " +
                              "(block lookup, audit path, Ed25519 signature of the payload)");
        }
        var tree = MerkleTree.Build(Enumerable.Range(0, 8_192).Select(i => BitConverter.GetBytes(i)).ToArray());
        var watch = Stopwatch.StartNew();
        const int paths = 200_000;
        for (var i = 0; i < paths; i++)
        {
            _ = tree.Path(i % tree.Size);
        }
        Console.WriteLine($"Merkle audit path in an 8,192-transfer block: {watch.Elapsed.TotalMicroseconds / paths:F2} µs each");
    }

    private static int Option(IReadOnlyList<string> args, string name, int fallback)
    {
        for (var i = 0; i + 1 < args.Count; i++)
        {
            if (args[i] == name)
            {
                return int.TryParse(args[i + 1], out var v) && v > 0 ? v : throw new UsageException($"{name} takes a positive number");
            }
        }
        return fallback;
    }
}

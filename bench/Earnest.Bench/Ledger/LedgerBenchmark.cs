using System.Diagnostics;
using Earnest.Identity;
using Earnest.Ledger;

namespace Earnest.Bench.Ledger;

/// <summary>
/// Durable ledger throughput on the embedded store: producers post batches of transfers between funded accounts as
/// pieces of the writer's group commits (WAL, synchronous=FULL: one fsync per commit), each commit appending one log
/// segment and sealing a signed block; then how long the ledger's index takes to catch up. Then receipt proof
/// generation for random transfers: the Merkle path alone, and the whole receipt (path, block header and the payload's
/// Ed25519 signature).
/// </summary>
public static class LedgerBenchmark
{
    private static long _postingTicks;

    /// <summary>Runs it and prints the figures.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var transfers = Option(args, "--transfers", 1_000_000);
        var accounts = Option(args, "--accounts", 10_000);
        var batch = Option(args, "--batch", 1_000);
        var producers = Option(args, "--producers", 16);
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
            var headBefore = node.Chain.Head!.Height;
            var seqBefore = node.Chain.Head!.LastSeq;
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
                        Interlocked.Add(ref _postingTicks, Stopwatch.GetTimestamp() - started);
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
            var durable = stopwatch.Elapsed;
            var workingSet = Environment.WorkingSet;
            // Every read waits until the ledger's index holds every committed transfer: time it catching up.
            var merged = node.Database.LedgerIndex?.Merged - seqBefore;
            var indexWatch = Stopwatch.StartNew();
            node.Database.Read(_ => 0);
            var catchUp = indexWatch.Elapsed;
            var blocks = node.Chain.Head!.Height - headBefore;

            Console.WriteLine($"posted {transfers:N0} transfers among {accounts:N0} accounts in {durable.TotalSeconds:F2} s: " +
                              $"{transfers / durable.TotalSeconds:N0} transfers/s durable in signed blocks, {blocks:N0} blocks " +
                              $"(mean {transfers / Math.Max(1, blocks):N0} transfers per block); batch {batch}, producers {producers}");
            var posting = Stopwatch.GetElapsedTime(0, _postingTicks).TotalSeconds;
            Console.WriteLine($"the writer spent {posting:F2} s posting ({posting * 1e6 / transfers:F1} µs per transfer: validation, " +
                              $"payload, id checked against the index) and {durable.TotalSeconds - posting:F2} s committing " +
                              $"({(durable.TotalSeconds - posting) * 1e6 / transfers:F1} µs per transfer: log segment, leaves hashed, " +
                              "header signed, WAL write; the fsync runs on the flusher thread, and a post counts once it is flushed)");
            if (merged is { } m)
            {
                Console.WriteLine($"the index (transfers by id and account, balances) had merged {m:N0} when the last commit " +
                                  $"returned and caught up {catchUp.TotalSeconds:F2} s later: {transfers / (durable + catchUp).TotalSeconds:N0} " +
                                  $"transfers/s from first post to all indexed; process working set when the last commit returned " +
                                  $"{workingSet / (1 << 20):N0} MiB");
            }
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
        var picks = node.Database.Read(c => Enumerable.Range(0, 3_000)
            .Select(_ => Postings.Find(c, $"t{random.NextInt64(transfers)}", node.Key)!).ToList());
        foreach (var p in picks)
        {
            _ = p.Receipt; // the payload's signature, timed on its own below
        }
        foreach (var p in picks.Take(500))
        {
            _ = node.Chain.ReceiptOf(p); // warm-up
        }
        var stopwatch = Stopwatch.StartNew();
        foreach (var p in picks.Skip(500))
        {
            _ = node.Chain.ReceiptOf(p).Proof ?? throw new InvalidOperationException("no proof");
        }
        var proof = stopwatch.Elapsed.TotalMicroseconds / (picks.Count - 500);
        stopwatch.Restart();
        foreach (var p in picks.Skip(500))
        {
            _ = node.Key.Receipt(p.Payload);
        }
        var sign = stopwatch.Elapsed.TotalMicroseconds / (picks.Count - 500);
        Console.WriteLine($"receipt proof (its block found in memory, audit path from the cached tree, encoding): " +
                          $"{proof:F1} µs; the payload's Ed25519 signature besides: {sign:F1} µs");
        var tree = MerkleTree.Build(Enumerable.Range(0, 8_192).Select(i => BitConverter.GetBytes(i)).ToArray());
        var watch = Stopwatch.StartNew();
        const int paths = 200_000;
        for (var i = 0; i < paths; i++)
        {
            _ = tree.Path(i % tree.Size);
        }
        Console.WriteLine($"Merkle audit path alone, 8,192-transfer block: {watch.Elapsed.TotalMicroseconds / paths:F2} µs");
        var payloads = node.Database.Read(c => Dapper.SqlMapper.Query<byte[]>(c,
            "SELECT payload FROM transfers ORDER BY seq DESC LIMIT 8000").ToList());
        watch.Restart();
        _ = MerkleTree.Build(payloads);
        Console.WriteLine($"rebuilding an 8,000-transfer block's tree (a proof for a block no longer cached): " +
                          $"{watch.Elapsed.TotalMilliseconds:F1} ms plus reading its payloads");
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

using Dapper;
using Earnest.Audit;
using Earnest.Ledger;
using Earnest.Storage;
using Earnest.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Earnest.Tests.Ledger;

/// <summary>
/// The embedded store's ledger index (transfers by id and account, balances) is derived from the log by a thread of its
/// own: ids stay unique while it lags, reads see every committed transfer, and an index that is behind, missing or
/// another store's is brought up to date from the log when the store opens.
/// </summary>
public sealed class LedgerIndexTests
{
    private static readonly string Issuance = SystemAccounts.Issuance("EARN");

    private static TransferRequest Mint(string id, string to, long amount) =>
        new(id, Issuance, to, "EARN", amount, TransferKinds.Mint, null);

    private static Task<TransferResult> PostAsync(TestNode t, TransferRequest request) =>
        t.Node.Database.WriteAsync(tx => Postings.Post(tx, t.Node.Key, request, out _));

    /// <summary>Everything a client can read of the ledger: each account's history (ids, newest first) and balances.</summary>
    private static string Snapshot(Node node, IEnumerable<string> accounts) => string.Join("\n", accounts.Select(a =>
        $"{a}: {string.Join(",", node.Database.Read(c => Postings.History(c, a, null, 1000, node.Key)).Select(s => s.Transfer.Id))}" +
        $" = {node.Funds.Balance(a, "EARN")}"));

    [Fact]
    public async Task while_the_index_lags_a_retried_id_is_still_recognised_and_nothing_is_paid_twice()
    {
        await using var t = await TestNode.StartAsync();
        var index = t.Node.Database.LedgerIndex!;
        var before = t.Node.Chain.Head?.LastSeq ?? 0;
        using (index.Hold())
        {
            Assert.Equal(TransferResult.Ok, await PostAsync(t, Mint("lagging-1", "alice", 5)));
            Assert.Equal(TransferResult.Ok, await PostAsync(t, Mint("lagging-2", "alice", 7)));
            Assert.True(index.Merged <= before, "the index merged while held");
            // A retry of a committed, unmerged transfer: found in the log, answered as a retry or a conflict.
            var retry = await t.Node.Database.WriteAsync(tx =>
            {
                var result = Postings.Post(tx, t.Node.Key, Mint("lagging-1", "alice", 5), out var original);
                return (result, original?.Transfer.Amount);
            });
            Assert.Equal((TransferResult.Exists, 5L), retry);
            Assert.Equal(TransferResult.ExistsWithDifferentFields, await PostAsync(t, Mint("lagging-2", "alice", 8)));
            // Twice in one piece of work: the second finds the first among the group's own transfers.
            var twice = await t.Node.Database.WriteAsync(tx => (
                Postings.Post(tx, t.Node.Key, Mint("same-group", "bob", 3), out _),
                Postings.Post(tx, t.Node.Key, Mint("same-group", "bob", 3), out _)));
            Assert.Equal((TransferResult.Ok, TransferResult.Exists), twice);
            Assert.True(index.Merged <= before, "the index merged while held");
        }
        // A read waits for the index, which then holds every transfer once.
        Assert.Equal(12, t.Node.Funds.Balance("alice", "EARN"));
        Assert.Equal(3, t.Node.Funds.Balance("bob", "EARN"));
        Assert.Equal(before + 3, t.Node.Database.Read(c => c.ExecuteScalar<long>("SELECT COUNT(*) FROM transfers")));
        var report = t.Audit();
        Assert.True(report.Passed, report.Failure);
    }

    [Fact]
    public async Task a_clean_stop_leaves_the_index_file_holding_every_committed_transfer()
    {
        var folder = TempFolder.Create();
        try
        {
            long last;
            await using (var t = await StartAsync(folder))
            {
                // Posted while the merger is held, and still held when the node stops: they are merged on the way
                // out.
                t.Node.Database.LedgerIndex!.Hold();
                await Task.WhenAll(Enumerable.Range(0, 200).Select(i => PostAsync(t, Mint($"stop-{i}", "alice", 1))));
                last = t.Node.Chain.Head!.LastSeq;
            }
            using var index = new SqliteConnection(
                $"Data Source={SqliteDatabase.IndexPathOf(Path.Combine(folder, Node.DatabaseFile))};Pooling=False");
            index.Open();
            Assert.Equal((last, 200L), index.QuerySingle<(long, long)>(
                "SELECT (SELECT MAX(seq) FROM merged), (SELECT COUNT(*) FROM transfers WHERE id LIKE 'stop-%')"));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task an_index_left_behind_is_audited_as_far_as_it_goes_and_catches_up_when_the_store_opens()
    {
        var folder = TempFolder.Create();
        try
        {
            string expected;
            var accounts = new[] { "alice", "bob", "carol" };
            IDisposable held;
            await using (var t = await StartAsync(folder))
            {
                for (var i = 0; i < 30; i++)
                {
                    Assert.Equal(TransferResult.Ok, await PostAsync(t, Mint($"early-{i}", accounts[i % 3], 1 + i)));
                }
                expected = Snapshot(t.Node, accounts);
                // The node stops with its last transfers committed to the log but not merged, as after a crash.
                held = t.Node.Database.LedgerIndex!.Hold();
                t.Node.Database.LedgerIndex!.StopAsIfCrashed = true;
                for (var i = 0; i < 20; i++)
                {
                    Assert.Equal(TransferResult.Ok, await PostAsync(t, Mint($"late-{i}", accounts[i % 3], 100 + i)));
                }
            }
            held.Dispose();
            var behind = Auditor.Run(folder);
            Assert.True(behind.Passed, behind.Failure);
            Assert.Contains(behind.Summary, line => line.Contains("as far as it has merged", StringComparison.Ordinal));
            Assert.DoesNotContain("late-", expected, StringComparison.Ordinal);
            await using (var t = await StartAsync(folder))
            {
                var now = Snapshot(t.Node, accounts);
                Assert.Contains("late-19", now, StringComparison.Ordinal);
                Assert.Equal(50, t.Node.Database.Read(c => c.ExecuteScalar<long>("SELECT COUNT(*) FROM transfers WHERE kind = 'mint' AND id LIKE '%-%'")));
                Assert.Equal(Enumerable.Range(0, 30).Where(i => i % 3 == 0).Sum(i => 1 + i) +
                             Enumerable.Range(0, 20).Where(i => i % 3 == 0).Sum(i => 100 + i), t.Node.Funds.Balance("alice", "EARN"));
            }
            var caughtUp = Auditor.Run(folder);
            Assert.True(caughtUp.Passed, caughtUp.Failure);
            Assert.Contains(caughtUp.Summary, line => line.Contains("matches the log", StringComparison.Ordinal) &&
                                                      !line.Contains("as far as", StringComparison.Ordinal));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task a_missing_or_foreign_index_file_is_rebuilt_from_the_log_and_reads_the_same()
    {
        var folder = TempFolder.Create();
        var other = TempFolder.Create();
        try
        {
            var accounts = new[] { "alice", "bob" };
            string expected;
            await using (var t = await StartAsync(folder))
            {
                for (var i = 0; i < 40; i++)
                {
                    Assert.Equal(TransferResult.Ok, await PostAsync(t, Mint($"m-{i}", accounts[i % 2], 10 + i)));
                }
                expected = Snapshot(t.Node, accounts);
            }
            // Another store, with transfers of its own, whose index file is then put in place of this one's.
            await using (var o = await StartAsync(other))
            {
                Assert.Equal(TransferResult.Ok, await PostAsync(o, Mint("foreign", "alice", 999)));
            }
            var index = SqliteDatabase.IndexPathOf(Path.Combine(folder, Node.DatabaseFile));
            SqliteConnection.ClearAllPools();
            File.Delete(index);
            await using (var t = await StartAsync(folder))
            {
                Assert.Equal(expected, Snapshot(t.Node, accounts));
            }
            SqliteConnection.ClearAllPools();
            File.Copy(SqliteDatabase.IndexPathOf(Path.Combine(other, Node.DatabaseFile)), index, overwrite: true);
            foreach (var sidecar in new[] { "-wal", "-shm" })
            {
                File.Delete(index + sidecar);
            }
            var foreign = Auditor.Run(folder);
            Assert.False(foreign.Passed);
            Assert.Contains("belongs to another store", foreign.Failure);
            await using (var t = await StartAsync(folder))
            {
                Assert.Equal(expected, Snapshot(t.Node, accounts));
            }
            var report = Auditor.Run(folder);
            Assert.True(report.Passed, report.Failure);
        }
        finally
        {
            TempFolder.Delete(folder);
            TempFolder.Delete(other);
        }
    }

    [Fact]
    public async Task a_read_the_index_cannot_serve_in_time_is_a_503_problem_and_then_served()
    {
        await using var server = await TestServer.StartAsync();
        var client = await server.SignedInAsync();
        var index = server.Node.Database.LedgerIndex!;
        index.ReadTimeout = TimeSpan.FromMilliseconds(200);
        using (index.Hold())
        {
            Assert.Equal(TransferResult.Ok, await PostAsync(server.Test, Mint("unmerged", client.Address!, 5)));
            var behind = await Assert.ThrowsAsync<Earnest.Client.ApiException>(() => client.AccountAsync());
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, behind.Status);
            Assert.Contains("index is behind", behind.Message, StringComparison.Ordinal);
        }
        var account = await client.AccountAsync();
        Assert.Contains(account.Balances, b => b.Asset == "EARN" && b.Amount == 5);
    }

    private static Task<TestNode> StartAsync(string folder) => TestNode.StartAsync(o => o.DataFolder = folder);
}

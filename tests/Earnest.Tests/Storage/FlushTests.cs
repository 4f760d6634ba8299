using Earnest.Audit;
using Earnest.Ledger;
using Earnest.Storage;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Storage;

/// <summary>
/// The embedded store commits a group without waiting for the disk and fsyncs its write-ahead log on a thread of its
/// own: a caller hears of its write only once a flush covered it, a read never shows a commit that is not yet flushed,
/// and a flush that fails fails its writes and stops the store from taking more.
/// </summary>
public sealed class FlushTests
{
    private static readonly string Issuance = SystemAccounts.Issuance("EARN");

    private static Task<TransferResult> MintAsync(TestNode t, string id, string to, long amount) =>
        t.Node.Database.WriteAsync(tx => Postings.Post(tx, t.Node.Key,
            new TransferRequest(id, Issuance, to, "EARN", amount, TransferKinds.Mint, null), out _));

    [Fact]
    public async Task a_write_is_answered_and_read_only_after_the_flush_that_covers_its_commit()
    {
        await using var t = await TestNode.StartAsync();
        var database = t.Node.Database;
        using var flushing = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        database.BeforeFlush = () =>
        {
            flushing.Release();
            release.Wait();
        };
        var write = MintAsync(t, "flushed-1", "alice", 5);
        Task<long> read;
        try
        {
            // The flusher is about to flush: the group has committed, and its caller must not have heard yet.
            Assert.True(await flushing.WaitAsync(TimeSpan.FromSeconds(30)), "no flush began");
            Assert.False(write.IsCompleted, "a write was answered before its commit was flushed");
            read = Task.Run(() => t.Node.Funds.Balance("alice", "EARN"));
            Assert.True(SpinWait.SpinUntil(() => database.ReadsAwaitingFlush == 1, TimeSpan.FromSeconds(30)),
                "a read did not wait for the flush");
            Assert.False(read.IsCompleted);
        }
        finally
        {
            database.BeforeFlush = null;
            release.Release();
        }
        Assert.Equal(TransferResult.Ok, await write);
        Assert.Equal(5, await read);
    }

    [Fact]
    public async Task a_flush_that_fails_fails_its_writes_and_the_store_takes_no_more_until_it_is_reopened()
    {
        var folder = TempFolder.Create();
        try
        {
            await using (var t = await TestNode.StartAsync(o => o.DataFolder = folder))
            {
                Assert.Equal(TransferResult.Ok, await MintAsync(t, "before", "alice", 2));
                t.Node.Database.BeforeFlush = () => throw new IOException("the disk went away");
                var failed = await Assert.ThrowsAsync<IOException>(() => MintAsync(t, "lost", "alice", 3));
                Assert.Equal("the disk went away", failed.Message);
                var refused = await Assert.ThrowsAsync<IOException>(() => MintAsync(t, "after", "alice", 4));
                Assert.Contains("restart", refused.Message, StringComparison.Ordinal);
            }
            // Reopened, the store is whole: the unacknowledged write may or may not have reached the disk (as with a
            // lost answer), the refused one never ran, and the ledger audits clean.
            await using (var t = await TestNode.StartAsync(o => o.DataFolder = folder))
            {
                var balance = t.Node.Funds.Balance("alice", "EARN");
                Assert.Contains(balance, new long[] { 2, 5 });
                var report = Earnest.Audit.Auditor.Run(folder);
                Assert.True(report.Passed, report.Failure);
                Assert.Equal(TransferResult.Ok, await MintAsync(t, "reopened", "alice", 1));
                Assert.Equal(balance + 1, t.Node.Funds.Balance("alice", "EARN"));
            }
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task the_log_is_copied_back_into_the_database_file_beside_the_flusher_and_nothing_is_lost()
    {
        var folder = TempFolder.Create();
        try
        {
            await using (var t = await TestNode.StartAsync(o => o.DataFolder = folder))
            {
                var database = (SqliteDatabase)t.Node.Database;
                database.CheckpointAt = 16 * 1024;
                var file = new FileInfo(database.Path);
                var before = file.Length;
                for (var i = 0; i < 100; i++)
                {
                    Assert.Equal(TransferResult.Ok, await MintAsync(t, $"checkpointed-{i}", "alice", 1));
                }
                Assert.True(SpinWait.SpinUntil(() => { file.Refresh(); return file.Length > before; }, TimeSpan.FromSeconds(30)),
                    "no checkpoint copied the log back into the database file");
                Assert.Equal(100, t.Node.Funds.Balance("alice", "EARN"));
            }
            var report = Auditor.Run(folder);
            Assert.True(report.Passed, report.Failure);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }
}

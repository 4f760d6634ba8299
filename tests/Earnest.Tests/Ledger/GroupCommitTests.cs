using Dapper;
using Earnest.Ledger;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Ledger;

/// <summary>The writer's group commits: pieces share a commit and a block, up to the block's size limit.</summary>
public sealed class GroupCommitTests
{
    private static Task<int> PostManyAsync(TestNode t, string prefix, int count, string from) =>
        t.Node.Database.WriteAsync(tx => Enumerable.Range(0, count).Count(i => Postings.Post(tx, t.Node.Key,
            new TransferRequest($"{prefix}-{i}", from, $"to-{i % 50}", "EARN", 1, TransferKinds.Mint, null), out _) ==
            TransferResult.Ok));

    [Fact]
    public async Task a_full_block_leaves_the_next_pieces_to_the_next_commit()
    {
        await using var t = await TestNode.StartAsync();
        var issuance = SystemAccounts.Issuance("EARN");
        var piece = Chain.MaxBlockTransfers * 6 / 10;
        var before = t.Node.Chain.Head?.Height ?? 0;
        // Hold the writer inside a piece while three more queue behind it, so all four meet in one group: the first two
        // posting pieces fill the block past its limit, and the third is left to start the next commit.
        using var inside = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        var gate = t.Node.Database.WriteAsync(_ =>
        {
            inside.Release();
            release.Wait();
            return 0;
        });
        await inside.WaitAsync();
        var pieces = new[] { PostManyAsync(t, "a", piece, issuance), PostManyAsync(t, "b", piece, issuance),
            PostManyAsync(t, "c", piece, issuance) };
        release.Release();
        await gate;
        Assert.All(await Task.WhenAll(pieces), n => Assert.Equal(piece, n));
        var blocks = t.Node.Database.Read(c => c.Query<long>("SELECT count FROM blocks WHERE height > @before ORDER BY height",
            new { before }).ToList());
        Assert.Equal([2L * piece, piece], blocks);
    }

    [Fact]
    public async Task a_piece_that_fails_leaves_no_trace_while_its_neighbours_in_the_commit_are_kept()
    {
        await using var t = await TestNode.StartAsync();
        var issuance = SystemAccounts.Issuance("EARN");
        var failing = t.Node.Database.WriteAsync<int>(tx =>
        {
            Postings.Post(tx, t.Node.Key, new TransferRequest("doomed", issuance, "victim", "EARN", 5, TransferKinds.Mint, null), out _);
            throw new InvalidOperationException("after posting");
        });
        var kept = PostManyAsync(t, "kept", 3, issuance);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal(3, await kept);
        Assert.Null(t.Node.Database.Read(c => Postings.Find(c, "doomed", t.Node.Key)));
        Assert.Equal(0, t.Node.Funds.Balance("victim", "EARN"));
        var sealedCount = t.Node.Database.Read(c => c.ExecuteScalar<long>("SELECT SUM(count) FROM blocks"));
        Assert.Equal(3, sealedCount);
        Assert.True(Earnest.Audit.Auditor.Run(t.Node.Options.DataFolder, market: false).Passed);
    }
}

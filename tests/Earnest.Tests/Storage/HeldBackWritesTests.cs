using System.Data.Common;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Storage;

/// <summary>
/// <c>StoreTx.Write</c>: on PostgreSQL the writes no one reads are held back and sent in batches with the savepoints;
/// on SQLite they run at once. Either way a piece reads its own writes, and a piece that fails (its write, its code,
/// or its own rollback) leaves nothing behind while the pieces beside it in the group commit.
/// </summary>
public abstract class HeldBackWritesTests(Store store)
{
    private const string Insert = "INSERT INTO probe(id, note) VALUES (@id, @note)";

    private static Task<List<long>> Ids(Earnest.Storage.Database database) =>
        database.WriteAsync(tx => tx.Query<long>("SELECT id FROM probe ORDER BY id").ToList());

    [Fact]
    public async Task a_piece_reads_its_own_writes_and_a_failing_piece_leaves_nothing_while_its_neighbours_commit()
    {
        await using var t = await TestNode.StartAsync(store: store);
        var database = t.Node.Database;
        await database.WriteAsync(tx => tx.Execute("CREATE TABLE probe(id BIGINT PRIMARY KEY, note TEXT NULL)"));

        // Written and read back inside one piece, a NULL among the values.
        Assert.Equal(2, await database.WriteAsync(tx =>
        {
            tx.Write(Insert, new { id = 1L, note = (string?)null });
            tx.Write(Insert, new { id = 2L, note = (string?)"two" });
            return tx.Scalar<long>("SELECT COUNT(*) FROM probe");
        }));

        // Queued together, so that they share group commits.
        var pieces = new List<Task<long>>
        {
            database.WriteAsync(tx =>
            {
                tx.Write(Insert, new { id = 10L, note = "kept" });
                return 10L;
            }),
            // Its last write breaks the primary key when it is finally sent: the earlier ones, sent before a read,
            // are undone with it.
            database.WriteAsync(tx =>
            {
                tx.Write(Insert, new { id = 20L, note = "undone" });
                _ = tx.Scalar<long>("SELECT COUNT(*) FROM probe");
                tx.Write(Insert, new { id = 21L, note = "undone" });
                tx.Write(Insert, new { id = 1L, note = "duplicate" });
                return 20L;
            }),
            // Its code fails after a read sent its first write and with a breaking write still held back: that write
            // is never sent, so the next piece does not inherit its error.
            database.WriteAsync<long>(tx =>
            {
                tx.Write(Insert, new { id = 30L, note = "undone" });
                _ = tx.Scalar<long>("SELECT COUNT(*) FROM probe");
                tx.Write(Insert, new { id = 2L, note = "duplicate" });
                throw new InvalidOperationException("the piece's own failure");
            }),
            // It asks to roll back.
            database.WriteAsync(tx =>
            {
                tx.Write(Insert, new { id = 40L, note = "undone" });
                tx.Rollback();
                return 40L;
            }),
            database.WriteAsync(tx =>
            {
                tx.Write(Insert, new { id = 50L, note = "kept" });
                tx.Write("UPDATE probe SET note = @note WHERE id = @id", new { id = 1L, note = "changed" });
                return 50L;
            }),
        };
        await Assert.ThrowsAnyAsync<Exception>(() => Task.WhenAll(pieces));

        Assert.Equal(10L, await pieces[0]);
        await Assert.ThrowsAnyAsync<DbException>(() => pieces[1]);
        // On SQLite the breaking write runs at once and fails the piece first; on PostgreSQL it was never sent.
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => pieces[2]);
        Assert.True(store == Store.Sqlite ? failure is DbException : failure.Message == "the piece's own failure",
            failure.ToString());
        Assert.Equal(40L, await pieces[3]);
        Assert.Equal(50L, await pieces[4]);
        Assert.Equal([1L, 2L, 10L, 50L], await Ids(database));
        Assert.Equal("changed", await database.WriteAsync(tx =>
            tx.Scalar<string>("SELECT note FROM probe WHERE id = @id", new { id = 1L })));
        Assert.True(t.Audit().Passed, t.Audit().Failure);
    }
}

public sealed class SqliteHeldBackWritesTests() : HeldBackWritesTests(Store.Sqlite);

public sealed class PostgresHeldBackWritesTests() : HeldBackWritesTests(Store.Postgres);

using Earnest.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Earnest.Tests.Storage;

/// <summary>
/// The writer's reused statements (on the embedded store, run on SQLite's own API) bind and read values as
/// Microsoft.Data.Sqlite and Dapper do, count the rows they change, and fail as Microsoft.Data.Sqlite fails, leaving
/// the statement usable and the rest of the group committed.
/// </summary>
public sealed class WriterStatementTests
{
    private sealed class Row
    {
        public long Id { get; set; }
        public string? Name { get; set; }
        public double? Score { get; set; }
        public byte[]? Blob { get; set; }
        public bool Flag { get; set; }
        public int Small { get; set; }
    }

    private const string Insert = "INSERT INTO probe(id, name, score, blob, flag, small) VALUES (@id, @name, @score, @blob, @flag, @small)";

    [Fact]
    public async Task values_round_trip_rows_are_counted_and_a_failure_is_sqlites_own_and_undoes_only_its_piece()
    {
        await using var t = await TestNode.StartAsync();
        var database = t.Node.Database;
        await database.WriteAsync(tx => tx.Execute(
            "CREATE TABLE probe(id INTEGER PRIMARY KEY, name TEXT NULL, score REAL NULL, blob BLOB NULL, flag INTEGER NOT NULL, small INTEGER NOT NULL)"));

        var inserted = await database.WriteAsync(tx =>
            tx.Execute(Insert, new { id = 1L, name = (string?)null, score = (double?)null, blob = (byte[]?)null, flag = false, small = 7 })
            + tx.Execute(Insert, new { id = 2L, name = (string?)"ünïcode", score = (double?)2.5, blob = (byte[]?)[1, 2, 3], flag = true, small = -3 }));
        Assert.Equal(2, inserted);

        // Rows come back as stored, the NULL first: the parser made for a row of NULLs does not serve one of values.
        var rows = await database.WriteAsync(tx => tx.Query<Row>("SELECT * FROM probe ORDER BY id").ToList());
        Assert.Equal([1L, 2L], rows.Select(r => r.Id));
        Assert.Null(rows[0].Name);
        Assert.Null(rows[0].Score);
        Assert.Null(rows[0].Blob);
        Assert.Equal(("ünïcode", 2.5, true, -3), (rows[1].Name, rows[1].Score!.Value, rows[1].Flag, rows[1].Small));
        Assert.Equal([1, 2, 3], rows[1].Blob);
        Assert.Equal((7, false), (rows[0].Small, rows[0].Flag));
        var again = await database.WriteAsync(tx =>
            tx.QuerySingle<Row>("SELECT * FROM probe WHERE id = @id", new { id = 2L }));
        Assert.Equal("ünïcode", again.Name);
        Assert.Equal((2L, 2.5), await database.WriteAsync(tx =>
            tx.QuerySingle<(long, double)>("SELECT COUNT(*), SUM(score) FROM probe")));
        Assert.Null(await database.WriteAsync(tx => tx.Scalar<long?>("SELECT MAX(id) FROM probe WHERE id > @id", new { id = 5L })));
        Assert.Equal(1, await database.WriteAsync(tx =>
            tx.Execute("UPDATE probe SET name = @name WHERE id = @id", new { name = "x", id = 1L })));
        Assert.Equal(0, await database.WriteAsync(tx =>
            tx.Execute("UPDATE probe SET name = @name WHERE id = @id", new { name = "x", id = 9L })));

        // A duplicate key fails its own piece with SQLite's error; a piece in the same group commits; the statement
        // works again afterwards.
        var duplicate = database.WriteAsync(tx =>
            tx.Execute(Insert, new { id = 3L, name = (string?)"kept?", score = (double?)null, blob = (byte[]?)null, flag = false, small = 0 })
            + tx.Execute(Insert, new { id = 1L, name = (string?)"dup", score = (double?)null, blob = (byte[]?)null, flag = false, small = 0 }));
        var beside = database.WriteAsync(tx =>
            tx.Execute(Insert, new { id = 4L, name = (string?)"beside", score = (double?)null, blob = (byte[]?)null, flag = false, small = 0 }));
        var error = await Assert.ThrowsAsync<SqliteException>(() => duplicate);
        Assert.Equal(19, error.SqliteErrorCode); // SQLITE_CONSTRAINT
        Assert.Equal(1, await beside);
        Assert.Equal(1, await database.WriteAsync(tx =>
            tx.Execute(Insert, new { id = 5L, name = (string?)"after", score = (double?)null, blob = (byte[]?)null, flag = false, small = 0 })));
        var ids = database.Read(c => Dapper.SqlMapper.Query<long>(c, "SELECT id FROM probe ORDER BY id").ToList());
        Assert.Equal([1L, 2L, 4L, 5L], ids);
    }
}

using System.Data.Common;

namespace Earnest.Storage;

/// <summary>
/// Writes whose outcome no one reads, held back and sent together as one batch (one round trip) before the next
/// statement that reads, or at the end of the piece of work that wrote them. Used where every statement crosses the
/// network (PostgreSQL): a lease's four writes, or a savepoint and its release, then cost one round trip instead of
/// one each.
/// </summary>
/// <remarks>
/// A held-back write that fails, fails the piece that wrote it: <see cref="StoreTx.FlushWrites"/> runs inside the
/// piece, and the writer sends the piece's savepoint before any of its writes.
/// </remarks>
internal sealed class DeferredWrites(DbConnection connection, DbTransaction transaction)
{
    private readonly List<(string Sql, string[] Names, object?[] Values)> _pending = [];

    // Where the current piece's own writes begin in _pending.
    private int _pieceStart;

    /// <summary>A piece of work begins: its savepoint goes before any of its writes.</summary>
    public void BeginPiece()
    {
        Add("SAVEPOINT w");
        _pieceStart = _pending.Count;
    }

    /// <summary>The piece is kept: its savepoint's release travels with the next batch.</summary>
    public void KeepPiece() => Add(ReleaseSavepoint);

    /// <summary>
    /// The piece is undone: its writes still held back are dropped, those already sent are rolled back to its
    /// savepoint, which is then released.
    /// </summary>
    public void DropPiece()
    {
        _pending.RemoveRange(_pieceStart, _pending.Count - _pieceStart);
        Add("ROLLBACK TO SAVEPOINT w");
        Add(ReleaseSavepoint);
    }

    private const string ReleaseSavepoint = "RELEASE SAVEPOINT w";

    /// <summary>Holds back a statement with its parameters' values, as they are now.</summary>
    public void Add(string sql, string[] names, object?[] values) => _pending.Add((sql, names, values));

    private void Add(string sql) => _pending.Add((sql, [], []));

    /// <summary>Sends every write held back, in order, as one batch.</summary>
    public void Flush()
    {
        if (_pending.Count == 0)
        {
            return;
        }
        using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        foreach (var (sql, names, values) in _pending)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = sql;
            for (var i = 0; i < names.Length; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = names[i];
                parameter.Value = values[i];
                command.Parameters.Add(parameter);
            }
            batch.BatchCommands.Add(command);
        }
        // Cleared first: whatever happens to this batch, its writes are never sent twice. What is held back after
        // it belongs to the current piece.
        _pending.Clear();
        _pieceStart = 0;
        batch.ExecuteNonQuery();
    }
}

using System.Buffers.Binary;
using System.Data.Common;
using Dapper;
using Earnest.Storage;

namespace Earnest.Ledger;

/// <summary>
/// The ledger's log: the truth from which everything else about transfers is derived. Each group commit that posts
/// transfers appends one segment — one row holding every payload it posted, in sequence — so committing a transfer
/// costs a share of one row rather than a row and three index entries of its own. A segment's bytes are, per transfer
/// in sequence, its payload's length (u32, big-endian) then the payload (docs/ledger.md). The table of transfers by
/// id and by account and the stored balances are indexes of this log, which the embedded store builds beside the
/// writer (<see cref="LedgerIndex"/>) and a PostgreSQL store writes in the same commit.
/// </summary>
public static class LedgerLog
{
    /// <summary>A stored segment.</summary>
    /// <param name="FirstSeq">Sequence number of its first transfer.</param>
    /// <param name="Count">Transfers in it.</param>
    /// <param name="Payloads">The packed payloads.</param>
    public sealed record Segment(long FirstSeq, long Count, byte[] Payloads)
    {
        /// <summary>Sequence number of its last transfer.</summary>
        public long LastSeq => FirstSeq + Count - 1;

        /// <summary>
        /// The payloads, in sequence; null when the bytes do not hold exactly <see cref="Count"/> length-prefixed
        /// payloads.
        /// </summary>
        public List<byte[]>? TryUnpack()
        {
            var payloads = new List<byte[]>((int)Math.Min(Count, 1 << 20));
            var bytes = Payloads.AsSpan();
            var at = 0;
            while (at < bytes.Length)
            {
                if (bytes.Length - at < 4)
                {
                    return null;
                }
                var length = BinaryPrimitives.ReadUInt32BigEndian(bytes[at..]);
                at += 4;
                if (length > (uint)(bytes.Length - at))
                {
                    return null;
                }
                payloads.Add(bytes.Slice(at, (int)length).ToArray());
                at += (int)length;
            }
            return payloads.Count == Count ? payloads : null;
        }
    }

    /// <summary>Packs payloads as a segment's bytes.</summary>
    public static byte[] Pack(IReadOnlyList<(long Seq, byte[] Payload)> transfers)
    {
        ArgumentNullException.ThrowIfNull(transfers);
        var size = 0;
        foreach (var (_, payload) in transfers)
        {
            size = checked(size + 4 + payload.Length);
        }
        var bytes = new byte[size];
        var at = 0;
        foreach (var (_, payload) in transfers)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), (uint)payload.Length);
            payload.CopyTo(bytes, at + 4);
            at += 4 + payload.Length;
        }
        return bytes;
    }

    /// <summary>Appends the group's transfers (consecutive sequence numbers) as one segment.</summary>
    public static void Append(StoreTx tx, IReadOnlyList<(long Seq, byte[] Payload)> transfers)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(transfers);
        if (transfers.Count == 0)
        {
            return;
        }
        Insert(tx.Connection, tx.Transaction, transfers);
    }

    /// <summary>The sequence number of the newest transfer in the log, 0 when it is empty.</summary>
    public static long LastSeq(DbConnection connection, DbTransaction? transaction = null) =>
        connection.ExecuteScalar<long?>("SELECT MAX(first_seq + count - 1) FROM ledger_log", transaction: transaction) ?? 0;

    /// <summary>
    /// The segments holding transfers after <paramref name="afterSeq"/>, in order, read a page at a time (no reader
    /// stays open between pages, so the caller may query the same connection while it goes through them).
    /// </summary>
    public static IEnumerable<Segment> Segments(DbConnection connection, long afterSeq = 0,
        DbTransaction? transaction = null)
    {
        // The segment holding afterSeq + 1 starts at or before it.
        var from = connection.ExecuteScalar<long?>(
            "SELECT MAX(first_seq) FROM ledger_log WHERE first_seq <= @next", new { next = afterSeq + 1 },
            transaction) ?? 0;
        while (true)
        {
            var page = connection.Query<Segment>("""
                SELECT first_seq AS FirstSeq, count AS Count, payloads AS Payloads FROM ledger_log
                WHERE first_seq >= @from ORDER BY first_seq LIMIT 4
                """, new { from }, transaction).ToList();
            foreach (var segment in page)
            {
                yield return segment;
            }
            if (page.Count < 4)
            {
                yield break;
            }
            from = page[^1].FirstSeq + 1;
        }
    }

    /// <summary>
    /// The transfers after <paramref name="afterSeq"/> with their payloads, in sequence, as far as the log reaches.
    /// Throws <see cref="InvalidDataException"/> when a segment is malformed or the segments leave a gap or overlap.
    /// </summary>
    public static IEnumerable<(long Seq, byte[] Payload)> Read(DbConnection connection, long afterSeq = 0,
        DbTransaction? transaction = null)
    {
        var next = afterSeq + 1;
        var first = true;
        foreach (var segment in Segments(connection, afterSeq, transaction))
        {
            // The first segment holds next (it may start before it); each later one starts right after the previous.
            if (segment.FirstSeq > next || (!first && segment.FirstSeq != next))
            {
                throw new InvalidDataException($"transfer {next} is missing from the log (the next segment starts at {segment.FirstSeq})");
            }
            first = false;
            var payloads = segment.TryUnpack() ??
                throw new InvalidDataException($"the log segment at transfer {segment.FirstSeq} is malformed");
            for (var i = (int)(next - segment.FirstSeq); i < payloads.Count; i++)
            {
                yield return (next++, payloads[i]);
            }
        }
    }

    /// <summary>The payload of one transfer in the log (it must be there).</summary>
    public static byte[] ReadOne(DbConnection connection, long seq, DbTransaction? transaction = null)
    {
        var segment = connection.QuerySingle<Segment>("""
            SELECT first_seq AS FirstSeq, count AS Count, payloads AS Payloads FROM ledger_log
            WHERE first_seq <= @seq ORDER BY first_seq DESC LIMIT 1
            """, new { seq }, transaction);
        var payloads = segment.TryUnpack() ??
            throw new InvalidDataException($"the log segment at transfer {segment.FirstSeq} is malformed");
        return payloads[(int)(seq - segment.FirstSeq)];
    }

    /// <summary>
    /// Packs the transfers a store held before it had a log: one segment per block, and the transfers after the last
    /// block (a store from before blocks) as one more, which the next commit seals.
    /// </summary>
    internal static void Backfill(DbConnection connection, DbTransaction transaction)
    {
        var blockStarts = connection.Query<long>("SELECT first_seq FROM blocks", transaction: transaction).ToHashSet();
        var segment = new List<(long Seq, byte[] Payload)>();
        foreach (var row in connection.Query<(long Seq, byte[] Payload)>(
                     "SELECT seq, payload FROM transfers ORDER BY seq", transaction: transaction))
        {
            if (blockStarts.Contains(row.Seq) && segment.Count > 0)
            {
                Insert(connection, transaction, segment);
                segment.Clear();
            }
            segment.Add(row);
        }
        Insert(connection, transaction, segment);
    }

    private static void Insert(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<(long Seq, byte[] Payload)> segment)
    {
        if (segment.Count > 0)
        {
            connection.Execute("INSERT INTO ledger_log(first_seq, count, payloads) VALUES (@first, @count, @payloads)",
                new { first = segment[0].Seq, count = segment.Count, payloads = Pack(segment) }, transaction);
        }
    }

    /// <summary>The timestamp of the newest transfer in the log, 0 when it is empty.</summary>
    public static long LastTimestamp(DbConnection connection, DbTransaction? transaction = null)
    {
        var last = LastSeq(connection, transaction);
        return last == 0
            ? 0
            : Read(connection, last - 1, transaction).Select(t => Transfer.TryParse(t.Payload)?.TimestampMicros ?? 0)
                .LastOrDefault();
    }
}

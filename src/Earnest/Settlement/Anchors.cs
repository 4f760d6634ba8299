using System.Globalization;
using Dapper;
using Earnest.Identity;
using Earnest.Storage;

namespace Earnest.Settlement;

/// <summary>An anchor as clients see it.</summary>
/// <param name="Height">The block anchored.</param>
/// <param name="Hash">Its hash (SHA-256 of its header), lower-case hex.</param>
/// <param name="Memo">The memo written on chain: <c>earnest:anchor:&lt;height&gt;:&lt;hash&gt;</c>.</param>
/// <param name="Status"><c>pending</c>, <c>sent</c> or <c>final</c>.</param>
/// <param name="Signature">The Solana transaction carrying the memo (once sent).</param>
/// <param name="Slot">The slot it landed in (once final).</param>
/// <param name="CreatedAt">When the anchor was recorded.</param>
public sealed record AnchorView(long Height, string Hash, string Memo, string Status, string? Signature, long? Slot,
    DateTimeOffset CreatedAt)
{
    internal static AnchorView Of(AnchorRow row) => new(row.Height, Convert.ToHexStringLower(row.Hash),
        Anchors.Memo(row.Height, row.Hash), row.Status, row.Signature, row.Slot, Time.FromMicros(row.CreatedAt));
}

/// <summary>
/// Anchors: every <see cref="SettlementOptions.AnchorEveryBlocks"/> blocks the settler writes the head block's hash on
/// chain with the Memo program, so that anyone can later show the ledger's history up to that block existed by then.
/// </summary>
public sealed class Anchors(Database database)
{
    /// <summary>Anchors in one page at most.</summary>
    public const int MaxPage = 500;

    /// <summary>The memo anchoring a block: <c>earnest:anchor:&lt;height&gt;:&lt;hash as lower-case hex&gt;</c>.</summary>
    public static string Memo(long height, ReadOnlySpan<byte> hash) =>
        string.Create(CultureInfo.InvariantCulture, $"earnest:anchor:{height}:{Convert.ToHexStringLower(hash)}");

    /// <summary>The newest anchors, highest block first.</summary>
    public Outcome<IReadOnlyList<AnchorView>> List(int? limit)
    {
        if (limit is not null and (< 1 or > MaxPage))
        {
            return Problem.Invalid(new Validation().Require(false, "limit", $"A page holds 1 to {MaxPage} anchors."));
        }
        return database.Read(c => c.Query<AnchorRow>("SELECT * FROM anchors ORDER BY height DESC LIMIT @limit",
            new { limit = limit ?? 100 }).Select(AnchorView.Of).ToList());
    }
}

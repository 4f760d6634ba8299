using Earnest.Storage;

namespace Earnest.Market;

/// <summary>
/// What the writer remembers of the market between its pieces of work, so a lease or a submission reads less. It is
/// touched only inside the writer's pieces, and each entry stays true across rollbacks: it is dropped whenever
/// <see cref="Database.WriterEpoch"/> moves (another server wrote, or a group commit failed), and a piece that changes
/// what it holds drops or lowers the entry itself, so a piece rolled back can only leave it emptier than need be.
/// <list type="bullet">
/// <item>Published campaigns' unchanging part (terms, labels and policy parsed): only status and counts are read
/// again.</item>
/// <item>The open campaigns' ids in publication order, until a campaign is published or closed.</item>
/// <item>Per campaign, a time before which none of its live leases can expire: a lease made here expires after all
/// earlier ones (one lease duration, a time that only grows), so a lower bound stays true.</item>
/// </list>
/// </summary>
public sealed class MarketMemory(Database database)
{
    private readonly Dictionary<string, CampaignRow> _published = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _noExpiryBefore = new(StringComparer.Ordinal);
    private IReadOnlyList<string>? _openIds;
    private long _epoch = -1;

    /// <summary>Forgets everything once the store may hold what this writer did not do.</summary>
    private void Sync()
    {
        if (_epoch == database.WriterEpoch)
        {
            return;
        }
        _published.Clear();
        _noExpiryBefore.Clear();
        _openIds = null;
        _epoch = database.WriterEpoch;
    }

    /// <summary>A campaign as stored now; its unchanging part from memory once it has been read open.</summary>
    internal CampaignRow? Campaign(StoreTx tx, string id)
    {
        Sync();
        var now = _published.TryGetValue(id, out var known)
            ? tx.QuerySingleOrDefault<CampaignCounts>(CampaignCounts.Select, new { id })
            : null;
        if (known is null || now is null)
        {
            var row = CampaignRow.Load(tx, id);
            if (row?.Status == CampaignStatus.Open)
            {
                known = row.With(new CampaignCounts { Status = row.Status });
                // Parsed once, shared by every copy.
                _ = (known.LabelList, known.VerificationPolicy);
                _published[id] = known;
            }
            return row;
        }
        if (now.Status != CampaignStatus.Open)
        {
            _published.Remove(id);
        }
        return known.With(now);
    }

    /// <summary>
    /// A campaign's terms, which never change once it is published (requester, labels, policy, reward, asset), from
    /// memory when known; its status and counts are those of its first reading, so not for use. Null if there is none.
    /// </summary>
    internal CampaignRow? Terms(StoreTx tx, string id)
    {
        Sync();
        return _published.TryGetValue(id, out var known) ? known : Campaign(tx, id);
    }

    /// <summary>The ids of open campaigns, first published first, at most <paramref name="limit"/>.</summary>
    internal IReadOnlyList<string> OpenCampaignIds(StoreTx tx, int limit)
    {
        Sync();
        return _openIds ??= tx.Query<string>(
            "SELECT id FROM campaigns WHERE status = 'open' ORDER BY published_at LIMIT @limit", new { limit }).ToList();
    }

    /// <summary>A campaign was published or closed in this piece of work.</summary>
    internal void StatusChanged(string id)
    {
        _openIds = null;
        _published.Remove(id);
    }

    /// <summary>True when a live lease of the campaign may have expired by <paramref name="now"/>.</summary>
    internal bool MayHaveExpired(string campaignId, long now)
    {
        Sync();
        return !_noExpiryBefore.TryGetValue(campaignId, out var notBefore) || now >= notBefore;
    }

    /// <summary>No live lease of the campaign expires before <paramref name="time"/> (none: long.MaxValue).</summary>
    internal void NoExpiryBefore(string campaignId, long time) => _noExpiryBefore[campaignId] = time;

    /// <summary>A lease of the campaign was made that expires at <paramref name="expiresAt"/>.</summary>
    internal void Leased(string campaignId, long expiresAt)
    {
        if (_noExpiryBefore.TryGetValue(campaignId, out var bound) && expiresAt < bound)
        {
            _noExpiryBefore[campaignId] = expiresAt;
        }
    }
}

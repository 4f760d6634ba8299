using System.Text.Json;
using Earnest.Identity;
using Earnest.Storage;
using Earnest.Verification;

namespace Earnest.Market;

/// <summary>A campaign as stored.</summary>
internal sealed class CampaignRow
{
    public string Id { get; set; } = "";
    public string Requester { get; set; } = "";
    public string Title { get; set; } = "";
    public string Instructions { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Labels { get; set; } = "[]";
    public long Reward { get; set; }
    public long Budget { get; set; }
    public long Overlap { get; set; }
    public string Asset { get; set; } = "";
    public string Policy { get; set; } = "";
    public string Status { get; set; } = "";
    public long CreatedAt { get; set; }
    public long? PublishedAt { get; set; }
    public long? ClosedAt { get; set; }
    public long TaskCount { get; set; }
    public long GoldCount { get; set; }
    public long ActiveLeases { get; set; }
    public long PendingSubmissions { get; set; }

    private IReadOnlyList<string>? _labelList;
    private VerificationPolicy? _policy;

    /// <summary>The labels, parsed once per row read (a lease and a submission each ask several times).</summary>
    public IReadOnlyList<string> LabelList => _labelList ??= JsonSerializer.Deserialize<string[]>(Labels) ?? [];

    /// <summary>The verification policy, parsed once per row read.</summary>
    public VerificationPolicy VerificationPolicy => _policy ??=
        JsonSerializer.Deserialize<VerificationPolicy>(Policy) ?? VerificationPolicy.ForOverlap((int)Overlap);

    public static CampaignRow? Load(StoreTx tx, string id) =>
        tx.QuerySingleOrDefault<CampaignRow>("SELECT * FROM campaigns WHERE id = @id", new { id });

    /// <summary>A copy of this row with the columns that change after publication read afresh.</summary>
    public CampaignRow With(CampaignCounts now)
    {
        var row = (CampaignRow)MemberwiseClone();
        row.Status = now.Status;
        row.ClosedAt = now.ClosedAt;
        row.TaskCount = now.TaskCount;
        row.GoldCount = now.GoldCount;
        row.ActiveLeases = now.ActiveLeases;
        row.PendingSubmissions = now.PendingSubmissions;
        return row;
    }
}

/// <summary>The columns of a published campaign that still change; the rest never do once it is published.</summary>
internal sealed class CampaignCounts
{
    public const string Select =
        "SELECT status, closed_at, task_count, gold_count, active_leases, pending_submissions FROM campaigns WHERE id = @id";

    public string Status { get; set; } = "";
    public long? ClosedAt { get; set; }
    public long TaskCount { get; set; }
    public long GoldCount { get; set; }
    public long ActiveLeases { get; set; }
    public long PendingSubmissions { get; set; }
}

/// <summary>A contributor's counts in one campaign, as leasing needs them.</summary>
internal sealed class ParticipantRow
{
    public long Leased { get; set; }
    public long GoldLeased { get; set; }
    public long GoldAnswered { get; set; }
    public long GoldCorrect { get; set; }
    public long LastSeq { get; set; } = -1;
}

/// <summary>A task as stored.</summary>
internal sealed class TaskRow
{
    public string CampaignId { get; set; } = "";
    public long Seq { get; set; }
    public string Id { get; set; } = "";
    public string Data { get; set; } = "{}";
    public string? Gold { get; set; }
    public long Required { get; set; }
    public long Answers { get; set; }
    public long Active { get; set; }
    public string Status { get; set; } = "";
    public string? Answer { get; set; }
    public double? Confidence { get; set; }
}

/// <summary>An assignment as stored.</summary>
internal sealed class AssignmentRow
{
    public string Id { get; set; } = "";
    public string CampaignId { get; set; } = "";
    public long TaskSeq { get; set; }
    public string Contributor { get; set; } = "";
    public long CreatedAt { get; set; }
    public long ExpiresAt { get; set; }
    public string Status { get; set; } = "";
}

/// <summary>A submission as stored.</summary>
internal sealed class SubmissionRow
{
    public long Seq { get; set; }
    public string Id { get; set; } = "";
    public string AssignmentId { get; set; } = "";
    public string CampaignId { get; set; } = "";
    public long TaskSeq { get; set; }
    public string Contributor { get; set; } = "";
    public string Answer { get; set; } = "";
    public long Gold { get; set; }
    public long SubmittedAt { get; set; }
    public string Status { get; set; } = "";
    public string? Reason { get; set; }
    public long? DecidedAt { get; set; }
    public string? TransferId { get; set; }

    public SubmissionView ToView() => new(Id, CampaignId, Answer, Status, Reason, Time.FromMicros(SubmittedAt),
        DecidedAt is null ? null : Time.FromMicros(DecidedAt.Value), TransferId);
}

/// <summary>Assignment states.</summary>
internal static class AssignmentStatus
{
    public const string Active = "active";
    public const string Submitted = "submitted";
    public const string Expired = "expired";
    public const string Cancelled = "cancelled";
    public const string Released = "released";
}

/// <summary>Task states.</summary>
internal static class TaskStatus
{
    public const string Open = "open";
    public const string Decided = "decided";
}

/// <summary>The text forms of decision states, as stored and as the API writes them.</summary>
internal static class DecisionText
{
    public static string Of(DecisionStatus status) => status switch
    {
        DecisionStatus.Accepted => "accepted",
        DecisionStatus.Rejected => "rejected",
        _ => "pending",
    };

    public static DecisionStatus Parse(string text) => text switch
    {
        "accepted" => DecisionStatus.Accepted,
        "rejected" => DecisionStatus.Rejected,
        _ => DecisionStatus.Pending,
    };
}

/// <summary>Entity ids: a prefix and a time-ordered UUID (v7), so ids sort by creation.</summary>
internal static class Ids
{
    public static string New(string prefix, TimeProvider time) =>
        prefix + "_" + Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
}

using System.Text.Json;
using Earnest.Ledger;
using Earnest.Verification;

namespace Earnest.Market;

/// <summary>Campaign states: draft (being built) → open (funded, handing out work) → closed (refunded).</summary>
public static class CampaignStatus
{
    /// <summary>Being built; no funds moved.</summary>
    public const string Draft = "draft";
    /// <summary>Funded and handing out work.</summary>
    public const string Open = "open";
    /// <summary>Closed; unspent escrow returned.</summary>
    public const string Closed = "closed";
}

/// <summary>The body of a create-campaign call.</summary>
public sealed record CreateCampaign(string? Title, string? Instructions, string? Kind, IReadOnlyList<string>? Labels,
    long? Reward, long? Budget, int? Overlap, string? Asset, PolicyRequest? Policy = null);

/// <summary>The verification policy of a create-campaign call; every field is optional.</summary>
/// <param name="Aggregator">The aggregator's name ("mv", "ds", …); defaults to Earnest's default.</param>
/// <param name="DynamicOverlap">Ask for answers until the aggregator is this confident, between min and max.</param>
/// <param name="GoldShare">Share of each contributor's tasks that are gold (0–1).</param>
/// <param name="Qualification">The first this-many tasks of a new contributor are gold.</param>
/// <param name="MinQuality">Contributors below this quality on gold (0–1) get no more of this campaign's work.</param>
public sealed record PolicyRequest(string? Aggregator, DynamicOverlapRequest? DynamicOverlap, double? GoldShare,
    int? Qualification, double? MinQuality);

/// <summary>Dynamic overlap in a create-campaign call.</summary>
public sealed record DynamicOverlapRequest(int? Min, int? Max, double? Confidence);

/// <summary>One task in an add-tasks call: the requester's own id, the item, and optionally the hidden gold answer.</summary>
public sealed record NewTask(string? Id, JsonElement? Data, string? Gold);

/// <summary>A campaign as its requester sees it.</summary>
public sealed record CampaignView(string Id, string Status, string Title, string Instructions, string Kind,
    IReadOnlyList<string> Labels, long Reward, long Budget, int Overlap, string Asset, VerificationPolicy Policy,
    int Tasks, int GoldTasks,
    int TasksDone, int Submissions, int Accepted, int Rejected, int Pending, long Spent, long Escrow, long Refunded,
    DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt, DateTimeOffset? ClosedAt);

/// <summary>An open campaign as contributors see it when looking for work.</summary>
/// <param name="Id">The campaign.</param>
/// <param name="Title">Its title.</param>
/// <param name="Kind">Its kind of task.</param>
/// <param name="Reward">What one accepted task pays, in base units.</param>
/// <param name="Asset">The asset it pays in.</param>
/// <param name="TasksAvailable">Tasks still needing answers.</param>
/// <param name="MedianTaskSeconds">Median time from lease to submission over the campaign's recent submissions;
/// null until enough were measured.</param>
/// <param name="AcceptedShare">Share of the recent decided submissions that were accepted (and paid); null until
/// enough were decided.</param>
/// <param name="PayPerHour">Reward × accepted share × 3600 / median task seconds, in base units; null until both are
/// measured.</param>
public sealed record OpenCampaignView(string Id, string Title, string Kind, long Reward, string Asset,
    int TasksAvailable, double? MedianTaskSeconds = null, double? AcceptedShare = null, long? PayPerHour = null);

/// <summary>The answer to skipping a leased task.</summary>
public sealed record AssignmentReleased(string Id, string Status);

/// <summary>The live figures of a campaign for its requester's dashboard.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="TimeToPaid">Time from submission to payment of accepted submissions, in milliseconds.</param>
/// <param name="Timeline">Cumulative decisions and spend since publication, in up to 60 equal steps.</param>
public sealed record CampaignStats(string CampaignId, Distribution TimeToPaid, IReadOnlyList<TimelinePoint> Timeline);

/// <summary>A distribution: count, percentiles and a histogram (each bucket counts values up to its bound).</summary>
public sealed record Distribution(int Count, double? P50, double? P95, double? P99, IReadOnlyList<Bucket> Buckets);

/// <summary>
/// A histogram bucket: values above the previous bound and up to <paramref name="UpTo"/>; the last bucket's bound is
/// null (no upper bound: JSON has no infinity).
/// </summary>
public sealed record Bucket(double? UpTo, int Count);

/// <summary>Cumulative figures of a campaign at one moment.</summary>
public sealed record TimelinePoint(DateTimeOffset At, int Accepted, int Rejected, long Spent);

/// <summary>The answer to add-tasks.</summary>
public sealed record AddedTasks(int Added, int Existing);

/// <summary>The answer to publish.</summary>
public sealed record Published(string Status, long Escrow, TransferView Transfer);

/// <summary>The answer to close.</summary>
public sealed record Closed(string Status, long Refunded, TransferView? Transfer);

/// <summary>A task's result: the inferred answer and the confidence in it.</summary>
public sealed record TaskResult(string TaskId, string? Answer, double? Confidence, int Submissions, bool Decided,
    bool Gold);

/// <summary>A contributor's work on a campaign and its estimated quality.</summary>
/// <param name="Address">The contributor.</param>
/// <param name="Submissions">Answers given.</param>
/// <param name="Accepted">Answers accepted (and paid).</param>
/// <param name="GoldAnswered">Gold tasks answered.</param>
/// <param name="GoldCorrect">Gold tasks answered correctly.</param>
/// <param name="GoldQuality">Accuracy on gold under a Beta prior (see GoldRecord).</param>
/// <param name="ModelQuality">The campaign aggregator's estimate of the contributor's accuracy.</param>
public sealed record ContributorQuality(string Address, int Submissions, int Accepted, int GoldAnswered,
    int GoldCorrect, double GoldQuality, double ModelQuality);

/// <summary>All results of a campaign: each task's answer and each contributor's quality.</summary>
public sealed record CampaignResults(string CampaignId, string Aggregator, IReadOnlyList<TaskResult> Results,
    IReadOnlyList<ContributorQuality> Contributors);

/// <summary>A lease of one task to the caller. The task's own id and whether it is gold are not revealed.</summary>
public sealed record AssignmentView(string Id, string CampaignId, string Kind, string Title, string Instructions,
    IReadOnlyList<string> Labels, JsonElement Data, long Reward, string Asset, DateTimeOffset ExpiresAt);

/// <summary>The answer to a submission: its decision and, when accepted, the payment.</summary>
public sealed record SubmissionOutcome(string SubmissionId, string Status, string? Reason, DateTimeOffset SubmittedAt,
    PaymentView? Payment);

/// <summary>A contributor's submission in its history.</summary>
public sealed record SubmissionView(string Id, string CampaignId, string Answer, string Status, string? Reason,
    DateTimeOffset SubmittedAt, DateTimeOffset? DecidedAt, string? TransferId);

using System.Text.Json;
using Dapper;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Storage;
using Earnest.Verification;

namespace Earnest.Market;

/// <summary>
/// The contributor's side of the market: lease a task, submit an answer, be verified and paid in the same commit.
/// Leasing rules: never a task the contributor was leased before; never more live leases and undecided submissions
/// than the escrow can pay for; gold tasks mixed in at the campaign's share of gold, indistinguishable from others.
/// </summary>
public sealed class Work(Database database, NetworkKey key, Chain chain, TimeProvider time, EarnestOptions options,
    EventHub events, MarketMemory memory)
{
    /// <summary>Open campaigns looked at for one request without a campaign id.</summary>
    public const int MaxCampaignsScanned = 50;

    /// <summary>Stale leases expired per lease request; bounds the work of one request.</summary>
    public const int MaxExpiredPerRequest = 1_000;

    /// <summary>Leases the next task the contributor may do, or returns null when there is none.</summary>
    public async Task<Outcome<AssignmentView?>> LeaseAsync(string contributor, string? campaignId,
        CancellationToken ct = default)
    {
        if (campaignId is not null && (campaignId.Length is 0 or > 64))
        {
            return Problem.Invalid(new Validation().Require(false, "campaignId", "No such campaign."));
        }
        return await database.WriteAsync<Outcome<AssignmentView?>>(tx =>
        {
            var live = tx.Scalar<long>("""
                SELECT COUNT(*) FROM assignments WHERE contributor = @contributor AND status = 'active'
                AND expires_at > @now
                """, new { contributor, now = tx.NowMicros });
            if (live >= options.MaxActiveAssignmentsPerContributor)
            {
                return Problem.Of(Failure.Limited,
                    $"You hold {live} open assignments; submit or let them expire before taking more.");
            }
            IEnumerable<CampaignRow> candidates;
            if (campaignId is not null)
            {
                var campaign = memory.Campaign(tx, campaignId);
                if (campaign is null)
                {
                    return Problem.Of(Failure.NotFound, "No such campaign.");
                }
                candidates = campaign.Status == CampaignStatus.Open ? [campaign] : [];
            }
            else
            {
                // Ids first, each campaign read only when its turn comes: the first usually has work.
                candidates = memory.OpenCampaignIds(tx, MaxCampaignsScanned).Select(id => memory.Campaign(tx, id)!);
            }
            foreach (var campaign in candidates)
            {
                if (campaign.Requester == contributor)
                {
                    continue;
                }
                var assignment = TryLease(tx, campaign, contributor);
                if (assignment is not null)
                {
                    return assignment;
                }
            }
            return (AssignmentView?)null;
        }, ct).ConfigureAwait(false);
    }

    private AssignmentView? TryLease(StoreTx tx, CampaignRow campaign, string contributor)
    {
        var expired = memory.MayHaveExpired(campaign.Id, tx.NowMicros) ? ExpireLeases(tx, campaign.Id) : 0;
        if (!CanAffordAnother(tx, campaign, expired))
        {
            return null;
        }
        var me = tx.QuerySingleOrDefault<ParticipantRow>(
            "SELECT * FROM participants WHERE campaign_id = @Id AND contributor = @contributor",
            new { campaign.Id, contributor }) ?? new ParticipantRow();
        var goldTasks = campaign.GoldCount;
        var policy = campaign.VerificationPolicy;
        var next = Qualification.Decide(policy, new GoldRecord((int)me.GoldAnswered, (int)me.GoldCorrect), me.GoldLeased,
            goldTasks);
        var goldShare = policy.GoldShare ?? (campaign.TaskCount == 0 ? 0 : (double)goldTasks / campaign.TaskCount);
        var task = next switch
        {
            Qualification.Next.None => null,
            Qualification.Next.Gold => NextGoldTask(tx, campaign.Id, contributor),
            _ when goldTasks > 0 && Leasing.PreferGold(me.GoldLeased, me.Leased, goldShare) =>
                NextGoldTask(tx, campaign.Id, contributor) ?? NextTaskWithRoom(tx, campaign.Id, contributor, me.LastSeq),
            _ => NextTaskWithRoom(tx, campaign.Id, contributor, me.LastSeq),
        };
        if (task is null)
        {
            return null;
        }
        var regular = task.Gold is null;
        tx.Write("""
            INSERT INTO participants(campaign_id, contributor, leased, gold_leased, gold_answered, gold_correct, last_seq)
            VALUES (@Id, @contributor, 1, @gold, 0, 0, @last)
            ON CONFLICT(campaign_id, contributor) DO UPDATE SET leased = participants.leased + 1,
                gold_leased = participants.gold_leased + @gold,
                last_seq = CASE WHEN @regular = 1 THEN @last ELSE participants.last_seq END
            """, new { campaign.Id, contributor, gold = regular ? 0 : 1, regular = regular ? 1 : 0, last = regular ? task.Seq : -1 });
        var id = Ids.New("asg", time);
        var expiresAt = tx.NowMicros + (long)options.LeaseDuration.TotalMicroseconds;
        tx.Write("""
            INSERT INTO assignments(id, campaign_id, task_seq, contributor, created_at, expires_at, status)
            VALUES (@id, @CampaignId, @Seq, @contributor, @now, @expiresAt, 'active')
            """, new { id, task.CampaignId, task.Seq, contributor, now = tx.NowMicros, expiresAt });
        tx.Write("UPDATE tasks SET active = active + 1 WHERE campaign_id = @CampaignId AND seq = @Seq",
            new { task.CampaignId, task.Seq });
        tx.Write("UPDATE campaigns SET active_leases = active_leases + 1 WHERE id = @CampaignId", new { task.CampaignId });
        memory.Leased(campaign.Id, expiresAt);
        using var data = JsonDocument.Parse(task.Data);
        return new AssignmentView(id, campaign.Id, campaign.Kind, campaign.Title, campaign.Instructions,
            campaign.LabelList, data.RootElement.Clone(), campaign.Reward, campaign.Asset, Time.FromMicros(expiresAt));
    }

    // "Never leased" is a probe of assignments' unique (campaign, task, contributor) key for each candidate task. The
    // OFFSET keeps PostgreSQL from turning the NOT EXISTS into an anti-join, whose plan scanned every assignment of the
    // campaign on each lease (1 ms at 16,000 assignments, and growing with them); SQLite always probes.
    private const string NeverLeased = """
        NOT EXISTS (SELECT 1 FROM assignments a
            WHERE a.campaign_id = t.campaign_id AND a.task_seq = t.seq AND a.contributor = @contributor LIMIT 1 OFFSET 0)
        """;

    /// <summary>The first gold task the contributor was never leased (parameters campaignId, contributor).</summary>
    internal const string NextGoldTaskSql = $"""
        SELECT * FROM tasks t
        WHERE t.campaign_id = @campaignId AND t.status = 'open' AND t.gold IS NOT NULL AND {NeverLeased}
        ORDER BY t.seq LIMIT 1
        """;

    /// <summary>The first regular task with room after a seq that the contributor was never leased (parameters
    /// campaignId, contributor, after).</summary>
    internal static string NextTaskWithRoomSql(SqlDialect sql) => $"""
        SELECT * FROM tasks t {sql.IndexedBy("tasks_with_room")}
        WHERE t.campaign_id = @campaignId AND t.status = 'open' AND t.gold IS NULL AND t.taken < t.required
          AND t.seq > @after AND {NeverLeased}
        ORDER BY t.seq LIMIT 1
        """;

    private static TaskRow? NextGoldTask(StoreTx tx, string campaignId, string contributor) =>
        tx.QuerySingleOrDefault<TaskRow>(NextGoldTaskSql, new { campaignId, contributor });

    /// <summary>
    /// The first regular task with room that the contributor was never leased: first after the last one it was
    /// leased (so the scan does not step over its own history), else from the start (a task whose lease expired).
    /// </summary>
    private TaskRow? NextTaskWithRoom(StoreTx tx, string campaignId, string contributor, long after)
    {
        var sql = NextTaskWithRoomSql(database.Sql);
        return tx.QuerySingleOrDefault<TaskRow>(sql, new { campaignId, contributor, after })
               ?? (after < 0 ? null : tx.QuerySingleOrDefault<TaskRow>(sql, new { campaignId, contributor, after = -1L }));
    }

    /// <summary>
    /// Expired leases return their tasks to the pool; answers how many expired. When none had, it notes when the first
    /// live lease will (a note that changed nothing in the store, so no rollback can make it wrong).
    /// </summary>
    private int ExpireLeases(StoreTx tx, string campaignId)
    {
        var stale = tx.Query<(string Id, long TaskSeq)>("""
            SELECT id, task_seq FROM assignments
            WHERE campaign_id = @campaignId AND status = 'active' AND expires_at <= @now LIMIT @MaxExpiredPerRequest
            """, new { campaignId, now = tx.NowMicros, MaxExpiredPerRequest }).ToList();
        foreach (var (id, taskSeq) in stale)
        {
            tx.Execute("UPDATE assignments SET status = 'expired' WHERE id = @id", new { id });
            tx.Execute("UPDATE tasks SET active = active - 1 WHERE campaign_id = @campaignId AND seq = @taskSeq",
                new { campaignId, taskSeq });
        }
        if (stale.Count > 0)
        {
            tx.Execute("UPDATE campaigns SET active_leases = active_leases - @expired WHERE id = @campaignId",
                new { expired = stale.Count, campaignId });
        }
        if (stale.Count == 0)
        {
            memory.NoExpiryBefore(campaignId, tx.Scalar<long?>("""
                SELECT MIN(expires_at) FROM assignments WHERE campaign_id = @campaignId AND status = 'active'
                """, new { campaignId }) ?? long.MaxValue);
        }
        return stale.Count;
    }

    /// <summary>
    /// True when escrow covers every live lease, every undecided submission, and one more. The campaign's counts were
    /// read in this transaction, before <paramref name="expired"/> of its leases expired in it.
    /// </summary>
    private static bool CanAffordAnother(StoreTx tx, CampaignRow campaign, int expired)
    {
        var committed = campaign.ActiveLeases - expired + campaign.PendingSubmissions;
        var escrow = Postings.Balance(tx, SystemAccounts.Escrow(campaign.Id), campaign.Asset);
        return Leasing.CanAfford(escrow, campaign.Reward, committed);
    }

    /// <summary>Records an answer, verifies it and pays it if accepted, all in one commit.</summary>
    public async Task<Outcome<SubmissionOutcome>> SubmitAsync(string contributor, string assignmentId, string? answer,
        CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(answer))
        {
            return Problem.Invalid(new Validation().Require(false, "answer", "An answer is required."));
        }
        var pending = new List<PendingEvent>();
        SignedTransfer? payment = null;
        CampaignRow? answered = null;
        var outcome = await database.WriteAsync<Outcome<SubmissionOutcome>>(tx =>
        {
            if (OpenAssignment(tx, contributor, assignmentId, out var assignment) is { } refused)
            {
                return refused;
            }
            // Its terms are all a submission needs: an open assignment is of a published campaign.
            var campaign = answered = memory.Terms(tx, assignment.CampaignId)!;
            if (!campaign.LabelList.Contains(answer))
            {
                return Problem.Invalid(new Validation().Require(false, "answer",
                    "The answer is one of the labels: " + string.Join(", ", campaign.LabelList) + "."));
            }
            var task = tx.QuerySingle<TaskRow>("SELECT * FROM tasks WHERE campaign_id = @CampaignId AND seq = @TaskSeq",
                new { assignment.CampaignId, assignment.TaskSeq });
            var submissionId = Ids.New("sub", time);
            tx.Write("""
                INSERT INTO submissions(id, assignment_id, campaign_id, task_seq, contributor, answer, gold,
                    submitted_at, status)
                VALUES (@submissionId, @assignmentId, @CampaignId, @TaskSeq, @contributor, @answer, @gold, @now, 'pending')
                """, new
            {
                submissionId, assignmentId, assignment.CampaignId, assignment.TaskSeq, contributor, answer,
                gold = task.Gold is null ? 0 : 1, now = tx.NowMicros,
            });
            tx.Write("UPDATE assignments SET status = 'submitted' WHERE id = @assignmentId", new { assignmentId });
            tx.Write("""
                UPDATE campaigns SET active_leases = active_leases - 1, pending_submissions = pending_submissions + 1
                WHERE id = @CampaignId
                """, new { assignment.CampaignId });
            tx.Write("""
                UPDATE tasks SET active = active - 1, answers = answers + 1
                WHERE campaign_id = @CampaignId AND seq = @TaskSeq
                """, new { assignment.CampaignId, assignment.TaskSeq });
            task.Active -= 1;
            task.Answers += 1;
            var decided = TaskDecisions.DecideTask(tx, key, campaign, task, closing: false, pending);
            payment = decided.Payments.GetValueOrDefault(submissionId);
            // The new submission as stored: pending, or as just decided (no need to read it back).
            var decision = decided.Decisions.GetValueOrDefault(submissionId);
            return new SubmissionOutcome(submissionId,
                DecisionText.Of(decision?.Status ?? DecisionStatus.Pending), decision?.Reason,
                Time.FromMicros(tx.NowMicros), null);
        }, ct).ConfigureAwait(false);
        if (!outcome.IsOk)
        {
            return outcome;
        }
        PublishAll(events, chain, pending);
        // The requester's dashboard refreshes its figures when it hears of progress.
        events.Publish(answered!.Requester, new MarketEvent("progress", new { campaignId = answered.Id }));
        return payment is null ? outcome : outcome.Value! with { Payment = PaymentView.Of(payment, chain) };
    }

    /// <summary>
    /// Skips a leased task: the lease ends at once and the task goes back to the pool for others; this contributor is
    /// never offered it again. Nothing is paid or decided.
    /// </summary>
    public async Task<Outcome<AssignmentReleased>> ReleaseAsync(string contributor, string assignmentId,
        CancellationToken ct = default) =>
        await database.WriteAsync<Outcome<AssignmentReleased>>(tx =>
        {
            if (OpenAssignment(tx, contributor, assignmentId, out var assignment) is { } refused)
            {
                return refused;
            }
            tx.Execute("UPDATE assignments SET status = 'released' WHERE id = @assignmentId", new { assignmentId });
            tx.Execute("UPDATE campaigns SET active_leases = active_leases - 1 WHERE id = @CampaignId",
                new { assignment.CampaignId });
            tx.Execute("UPDATE tasks SET active = active - 1 WHERE campaign_id = @CampaignId AND seq = @TaskSeq",
                new { assignment.CampaignId, assignment.TaskSeq });
            return new AssignmentReleased(assignmentId, AssignmentStatus.Released);
        }, ct).ConfigureAwait(false);

    /// <summary>The caller's own assignment while it is still open (leased, not expired), or why it is not.</summary>
    private static Problem? OpenAssignment(StoreTx tx, string contributor, string assignmentId, out AssignmentRow assignment)
    {
        assignment = (assignmentId.Length <= 64
            ? tx.QuerySingleOrDefault<AssignmentRow>("SELECT * FROM assignments WHERE id = @assignmentId", new { assignmentId })
            : null)!;
        return assignment switch
        {
            null => Problem.Of(Failure.NotFound, "No such assignment."),
            _ when assignment.Contributor != contributor =>
                Problem.Of(Failure.Forbidden, "This assignment is another contributor's."),
            { Status: AssignmentStatus.Submitted } => Problem.Of(Failure.Conflict, "This assignment has a submission already."),
            { Status: AssignmentStatus.Cancelled } =>
                Problem.Of(Failure.Conflict, "This assignment was cancelled (the campaign closed)."),
            { Status: AssignmentStatus.Released } => Problem.Of(Failure.Conflict, "This task was skipped; ask for new work."),
            _ when assignment.Status == AssignmentStatus.Expired || assignment.ExpiresAt <= tx.NowMicros =>
                Problem.Of(Failure.Conflict, "This assignment expired; ask for new work."),
            _ => null,
        };
    }

    /// <summary>The contributor's submissions, newest first.</summary>
    public IReadOnlyList<SubmissionView> Submissions(string contributor, int limit) =>
        database.Read(c => c.Query<SubmissionRow>(
                "SELECT * FROM submissions WHERE contributor = @contributor ORDER BY seq DESC LIMIT @limit",
                new { contributor, limit }).Select(r => r.ToView()).ToList());

    internal static void PublishAll(EventHub events, Chain chain, IEnumerable<PendingEvent> pending)
    {
        foreach (var e in pending.Where(e => events.Heard(e.Account)))
        {
            events.Publish(e.Account, e.Payment is { } paid
                ? new MarketEvent("payment", TransferView.Of(paid, chain))
                : e.Event!);
        }
    }
}

/// <summary>The pure rules of leasing.</summary>
public static class Leasing
{
    /// <summary>
    /// True when the escrow covers the reward of every committed piece of work (live leases and undecided
    /// submissions) and of one more.
    /// </summary>
    public static bool CanAfford(long escrow, long reward, long committed) =>
        reward > 0 && committed >= 0 && escrow / reward > committed;

    /// <summary>
    /// True when the contributor's next task should be gold: its share of gold so far would stay below the gold
    /// share. With any gold share above zero the first task is gold, so quality is measured from the start.
    /// </summary>
    public static bool PreferGold(long goldDone, long allDone, double goldShare) =>
        goldShare > 0 && goldDone < goldShare * (allDone + 1);
}

using Earnest.Ledger;
using Earnest.Storage;
using Earnest.Verification;

namespace Earnest.Market;

/// <summary>
/// An event to publish once the transaction that caused it has committed; a payment event is made then, so its
/// receipt carries the block the commit sealed.
/// </summary>
internal sealed record PendingEvent(string Account, MarketEvent? Event, SignedTransfer? Payment = null)
{
    /// <summary>The event of a payment.</summary>
    public static PendingEvent Paid(string account, SignedTransfer payment) => new(account, null, payment);
}

/// <summary>
/// Runs a task's verification inside the caller's transaction and carries out its decisions: each decision is stored
/// with its inputs, and each accepted submission is paid from escrow in the same commit, under a transfer id derived
/// from the submission id, so it can never be paid twice.
/// </summary>
internal static class TaskDecisions
{
    public static string PayoutId(string submissionId) => "payout:" + submissionId;

    /// <summary>
    /// Decides what can be decided for one task; returns the payments made and the decisions taken, by submission id.
    /// </summary>
    public static TaskDecided DecideTask(StoreTx tx, NetworkKey key, CampaignRow campaign, TaskRow task, bool closing,
        List<PendingEvent> events)
    {
        // A gold task decides each answer alone against its gold, so only the undecided ones are read: a gold task
        // collects an answer from nearly every contributor. They are put in order here, not by the query: ordered by
        // seq, PostgreSQL's planner may prefer the index by task and seq and step over every decided answer.
        var submissions = task.Gold is null
            ? tx.Query<SubmissionRow>(
                "SELECT * FROM submissions WHERE campaign_id = @CampaignId AND task_seq = @Seq ORDER BY seq",
                new { task.CampaignId, task.Seq }).ToList()
            : tx.Query<SubmissionRow>($"""
                SELECT * FROM submissions {tx.Sql.IndexedBy("submissions_pending")}
                WHERE campaign_id = @CampaignId AND task_seq = @Seq AND status = 'pending'
                """, new { task.CampaignId, task.Seq }).OrderBy(s => s.Seq).ToList();
        var answers = submissions
            .Select(s => new Answer(s.Id, s.Contributor, s.Answer, DecisionText.Parse(s.Status))).ToList();
        var policy = campaign.VerificationPolicy;
        var state = new TaskState((int)task.Required, task.Gold);
        var outcome = task.Gold is not null || policy.IsClassicMajority
            ? Verifier.Decide(policy, state, answers, campaign.LabelList.Count, closing)
            : Verifier.NeedsModel(policy, state, answers, closing)
                ? Verifier.DecideByModel(policy, state, answers, CampaignModel.Run(tx, campaign).For(task.Seq), closing)
                : new TaskOutcome([], null, (int)task.Required);
        var payments = new Dictionary<string, SignedTransfer>(StringComparer.Ordinal);
        var byId = submissions.ToDictionary(s => s.Id, StringComparer.Ordinal);
        foreach (var decision in outcome.Decisions)
        {
            var submission = byId[decision.SubmissionId];
            Invariant.Check(submission.Status == "pending", $"submission {submission.Id} decided twice");
            string? transferId = null;
            if (decision.Status == DecisionStatus.Accepted)
            {
                var request = new TransferRequest(PayoutId(submission.Id), SystemAccounts.Escrow(campaign.Id),
                    submission.Contributor, campaign.Asset, campaign.Reward, TransferKinds.Payout, submission.Id);
                var result = Postings.Post(tx, key, request, out var posted);
                // Leasing reserves the reward of every live lease and pending submission, so escrow always covers it.
                Invariant.Check(result == TransferResult.Ok, $"payout of {submission.Id} failed: {result}");
                payments[submission.Id] = posted!;
                transferId = posted!.Transfer.Id;
                events.Add(PendingEvent.Paid(submission.Contributor, posted));
            }
            var status = DecisionText.Of(decision.Status);
            if (task.Gold is not null)
            {
                tx.Write("""
                    UPDATE participants SET gold_answered = gold_answered + 1, gold_correct = gold_correct + @right
                    WHERE campaign_id = @CampaignId AND contributor = @Contributor
                    """, new { right = decision.Status == DecisionStatus.Accepted ? 1 : 0, submission.CampaignId,
                    submission.Contributor });
            }
            tx.Write("""
                UPDATE submissions SET status = @status, reason = @Reason, decided_at = @now, transfer_id = @transferId
                WHERE id = @SubmissionId AND status = 'pending'
                """, new { status, decision.Reason, now = tx.NowMicros, transferId, decision.SubmissionId });
            tx.Write("""
                INSERT INTO decisions(submission_id, status, reason, verifier, inputs, decided_at)
                VALUES (@SubmissionId, @status, @Reason, @Verifier, @Inputs, @now)
                """, new { decision.SubmissionId, status, decision.Reason, decision.Verifier, decision.Inputs,
                now = tx.NowMicros });
            events.Add(new PendingEvent(submission.Contributor, new MarketEvent("decision", new
            {
                submissionId = submission.Id, campaignId = campaign.Id, status, reason = decision.Reason,
                transferId,
            })));
        }
        if (outcome.Decisions.Count > 0)
        {
            tx.Write("UPDATE campaigns SET pending_submissions = pending_submissions - @decided WHERE id = @Id",
                new { decided = outcome.Decisions.Count, campaign.Id });
        }
        if (outcome.Decisions.Count > 0 && task.Gold is null)
        {
            // A non-gold task is decided all at once; a tie settled in good faith has no single answer.
            tx.Write("""
                UPDATE tasks SET status = 'decided', answer = @answer, confidence = @confidence
                WHERE campaign_id = @CampaignId AND seq = @Seq
                """, new
            {
                answer = outcome.Consensus?.Answer, confidence = outcome.Consensus?.Confidence, task.CampaignId,
                task.Seq,
            });
        }
        else if (outcome.Required != task.Required)
        {
            tx.Write("UPDATE tasks SET required = @Required WHERE campaign_id = @CampaignId AND seq = @Seq",
                new { outcome.Required, task.CampaignId, task.Seq });
        }
        return new TaskDecided(payments, outcome.Decisions.ToDictionary(d => d.SubmissionId, StringComparer.Ordinal));
    }
}

/// <summary>What deciding a task did: the payments made and the decisions taken, by submission id.</summary>
internal sealed record TaskDecided(Dictionary<string, SignedTransfer> Payments, Dictionary<string, Decision> Decisions);

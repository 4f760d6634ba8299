using Earnest.Ledger;
using Earnest.Market;

namespace Earnest.Cli.Demo;

/// <summary>Everything a demo run read back over the API once its campaign closed: the input of its report.</summary>
public sealed record MarketFacts(DemoSettings Settings, SyntheticWorld World, Asset Asset, string CampaignId,
    long Minted, Closed Closed, CampaignView Campaign, CampaignResults Results, long RequesterBalance, string Signer,
    IReadOnlyList<ContributorFacts> Contributors, TimeSpan WorkElapsed, TimeSpan Elapsed);

/// <summary>How well the crowd's aggregated answers match the synthetic truth, over the tasks without gold.</summary>
/// <param name="Tasks">Tasks without gold.</param>
/// <param name="Correct">Tasks whose result is the true label.</param>
/// <param name="NoConsensus">Tasks the crowd could not settle (a tie at the cap or at close): no answer.</param>
public sealed record AccuracyReport(int Tasks, int Correct, int NoConsensus)
{
    /// <summary>The share of tasks answered right (0 when there are none).</summary>
    public double Share => Tasks == 0 ? 0 : (double)Correct / Tasks;
}

/// <summary>What one kind of contributor did and earned. Amounts are base units.</summary>
public sealed record KindReport(ContributorKind Kind, int Contributors, int Submissions, int Accepted, int Rejected,
    long Paid)
{
    /// <summary>Base units earned per contributor of this kind (0 when the crowd has none of them).</summary>
    public decimal PaidPerContributor => Contributors == 0 ? 0 : (decimal)Paid / Contributors;
}

/// <summary>Time from a submission to its payout, both by the server's clock.</summary>
/// <param name="Paid">Paid submissions.</param>
/// <param name="PaidAtOnce">Paid in the response to the submission itself (the rest when later answers decided them).</param>
/// <param name="P50">Median time to payment.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="Max">Longest wait.</param>
public sealed record LatencyReport(int Paid, int PaidAtOnce, TimeSpan P50, TimeSpan P99, TimeSpan Max);

/// <summary>The money of the run, in base units.</summary>
public sealed record MoneyReport(long Minted, long Budget, long Spent, long Refunded, long RequesterBalance,
    long ContributorBalances, long EscrowAfterClose)
{
    /// <summary>The sum of everyone's balances.</summary>
    public long Balances => RequesterBalance + ContributorBalances;

    /// <summary>True when the balances of everyone add up to exactly what the faucet minted and escrow is empty.</summary>
    public bool Conserved => Balances == Minted && EscrowAfterClose == 0;
}

/// <summary>One consistency check of the run.</summary>
public sealed record DemoCheck(string Name, bool Passed, string Detail);

/// <summary>The report of a demo run.</summary>
public sealed record DemoReport(DemoSettings Settings, string CampaignId, Asset Asset, AccuracyReport Accuracy,
    IReadOnlyList<KindReport> Kinds, LatencyReport Latency, MoneyReport Money, IReadOnlyList<DemoCheck> Checks,
    int Submissions, TimeSpan WorkElapsed, TimeSpan Elapsed)
{
    /// <summary>True when every check passed.</summary>
    public bool Ok => Checks.All(c => c.Passed);

    /// <summary>Submissions per second while the crowd worked.</summary>
    public double SubmissionsPerSecond => WorkElapsed > TimeSpan.Zero ? Submissions / WorkElapsed.TotalSeconds : 0;

    /// <summary>The figures of one kind of contributor.</summary>
    public KindReport Of(ContributorKind kind) => Kinds.Single(k => k.Kind == kind);

    /// <summary>Builds the report and runs its checks.</summary>
    public static DemoReport Build(MarketFacts facts)
    {
        var settled = facts.Contributors.SelectMany(Settle).ToList();
        var kinds = ContributorKinds.All.Select(kind => KindOf(kind, facts, settled)).ToList();
        var money = new MoneyReport(facts.Minted, facts.Settings.Budget, facts.Campaign.Spent, facts.Closed.Refunded,
            facts.RequesterBalance, facts.Contributors.Sum(c => c.Balance), facts.Campaign.Escrow);
        return new DemoReport(facts.Settings, facts.CampaignId, facts.Asset, AccuracyOf(facts), kinds,
            LatencyOf(settled), money, DemoChecks.Run(facts, settled, money), settled.Count, facts.WorkElapsed,
            facts.Elapsed);
    }

    /// <summary>Pairs each submission with its payout, found by the payout's <c>ref</c> (the submission id).</summary>
    private static IEnumerable<SettledSubmission> Settle(ContributorFacts contributor)
    {
        var payouts = Payouts(contributor).ToLookup(t => t.Ref ?? "", StringComparer.Ordinal);
        return contributor.Submissions.Select(s => new SettledSubmission(contributor.Profile.Kind, s,
            payouts[s.Outcome.SubmissionId].FirstOrDefault()));
    }

    internal static IEnumerable<TransferView> Payouts(ContributorFacts contributor) =>
        contributor.Transfers.Where(t => t.Kind == TransferKinds.Payout);

    private static KindReport KindOf(ContributorKind kind, MarketFacts facts, List<SettledSubmission> settled)
    {
        var mine = settled.Where(s => s.Kind == kind).ToList();
        var accepted = mine.Count(s => s.Payout is not null);
        return new KindReport(kind, facts.Contributors.Count(c => c.Profile.Kind == kind), mine.Count, accepted,
            mine.Count - accepted, mine.Sum(s => s.Payout?.Amount ?? 0));
    }

    private static AccuracyReport AccuracyOf(MarketFacts facts)
    {
        var truth = facts.World.Items.ToDictionary(i => i.TaskId, i => i.Truth, StringComparer.Ordinal);
        var graded = facts.Results.Results.Where(r => !r.Gold).ToList();
        return new AccuracyReport(graded.Count,
            graded.Count(r => r.Answer is not null && truth.TryGetValue(r.TaskId, out var t) && r.Answer == t),
            graded.Count(r => r.Answer is null));
    }

    private static LatencyReport LatencyOf(List<SettledSubmission> settled)
    {
        var paid = settled.Where(s => s.Payout is not null).ToList();
        var waits = paid.Select(s => s.Payout!.Timestamp - s.Submission.Outcome.SubmittedAt).Order().ToList();
        return new LatencyReport(paid.Count, paid.Count(s => s.Submission.Outcome.Payment is not null),
            Percentile(waits, 0.50), Percentile(waits, 0.99), waits.Count == 0 ? TimeSpan.Zero : waits[^1]);
    }

    /// <summary>The nearest-rank percentile of sorted values (zero when there are none).</summary>
    public static TimeSpan Percentile(IReadOnlyList<TimeSpan> sorted, double p) =>
        sorted.Count == 0 ? TimeSpan.Zero : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>A submission, the kind of its contributor and its payout if it was paid.</summary>
internal sealed record SettledSubmission(ContributorKind Kind, Submitted Submission, TransferView? Payout);

/// <summary>
/// The run's consistency checks: each compares two things the server reported independently (balances with what was
/// minted, campaign counters with the ledger's payouts, immediate outcomes with later payouts, receipts with the key).
/// </summary>
internal static class DemoChecks
{
    public static IReadOnlyList<DemoCheck> Run(MarketFacts facts, List<SettledSubmission> settled, MoneyReport money) =>
    [
        new("money is conserved", money.Balances == money.Minted,
            $"balances {money.Balances} = requester {money.RequesterBalance} + contributors " +
            $"{money.ContributorBalances}; minted {money.Minted}"),
        new("escrow is empty after close", facts.Campaign.Status == CampaignStatus.Closed && facts.Campaign.Escrow == 0,
            $"campaign {facts.Campaign.Status}, escrow {facts.Campaign.Escrow}"),
        BudgetCheck(facts),
        CountsCheck(facts, settled),
        PaidOnceCheck(facts, settled),
        BalancesCheck(facts),
        ReceiptsCheck(facts),
    ];

    private static DemoCheck BudgetCheck(MarketFacts facts)
    {
        var c = facts.Campaign;
        var ok = c.Spent + facts.Closed.Refunded == facts.Settings.Budget && c.Refunded == facts.Closed.Refunded &&
                 facts.RequesterBalance == facts.Minted - c.Spent;
        return new DemoCheck("budget = paid out + refunded", ok,
            $"spent {c.Spent} + refunded {facts.Closed.Refunded} vs budget {facts.Settings.Budget}; requester " +
            $"holds {facts.RequesterBalance} of {facts.Minted} minted");
    }

    private static DemoCheck CountsCheck(MarketFacts facts, List<SettledSubmission> settled)
    {
        var c = facts.Campaign;
        var accepted = settled.Count(s => s.Payout is not null);
        var paid = settled.Sum(s => s.Payout?.Amount ?? 0);
        var ok = c.Pending == 0 && c.Submissions == settled.Count && c.Accepted == accepted &&
                 c.Rejected == settled.Count - accepted && c.Spent == paid;
        return new DemoCheck("campaign counts match the payouts", ok,
            $"campaign: {c.Submissions} submissions, {c.Accepted} accepted, {c.Rejected} rejected, {c.Pending} " +
            $"pending, spent {c.Spent}; contributors: {settled.Count} submitted, {accepted} paid, {paid} received");
    }

    /// <summary>
    /// An answer accepted at once carries its payment; one rejected at once is never paid; no submission is paid twice
    /// and every payout belongs to a submission; every payout is exactly the reward.
    /// </summary>
    private static DemoCheck PaidOnceCheck(MarketFacts facts, List<SettledSubmission> settled)
    {
        var wrong = settled.Count(s => s.Submission.Outcome.Status switch
        {
            "accepted" => s.Payout is null || s.Submission.Outcome.Payment?.TransferId != s.Payout.Id,
            "rejected" => s.Payout is not null,
            "pending" => s.Submission.Outcome.Payment is not null,
            _ => true,
        });
        var payouts = facts.Contributors.SelectMany(DemoReport.Payouts).ToList();
        var submissionIds = settled.Select(s => s.Submission.Outcome.SubmissionId).ToHashSet(StringComparer.Ordinal);
        var twice = payouts.GroupBy(p => p.Ref ?? "", StringComparer.Ordinal).Count(g => g.Count() > 1);
        var orphans = payouts.Count(p => p.Ref is null || !submissionIds.Contains(p.Ref));
        var offReward = payouts.Count(p => p.Amount != DemoSettings.Reward);
        return new DemoCheck("each accepted answer paid exactly once", wrong + twice + orphans + offReward == 0,
            $"{wrong} outcomes disagree with the ledger, {twice} paid twice, {orphans} payouts without a " +
            $"submission, {offReward} not the reward");
    }

    private static DemoCheck BalancesCheck(MarketFacts facts)
    {
        var off = facts.Contributors.Count(c =>
            c.Balance != DemoReport.Payouts(c).Sum(t => t.Amount) || c.Transfers.Any(t => t.Kind != TransferKinds.Payout));
        return new DemoCheck("each balance is its payouts", off == 0, $"{off} contributors differ");
    }

    private static DemoCheck ReceiptsCheck(MarketFacts facts)
    {
        var payouts = facts.Contributors.SelectMany(DemoReport.Payouts).ToList();
        var bad = payouts.Count(p => p.Receipt.Verify(facts.Signer) is not null);
        return new DemoCheck("payout receipts verify", bad == 0,
            $"{payouts.Count - bad} of {payouts.Count} verify against {facts.Signer}");
    }
}

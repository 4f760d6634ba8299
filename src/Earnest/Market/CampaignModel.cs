using System.Data.Common;
using Dapper;
using Earnest.Storage;
using Earnest.Verification;
using Earnest.Verification.Aggregation;

namespace Earnest.Market;

/// <summary>
/// Runs a campaign's aggregator over every answer the campaign has (gold tasks clamped to their gold), inside the
/// caller's transaction. What a decision depends on is exactly the answers up to the newest submission's sequence
/// number, which the decision records, so a replay re-derives it.
/// </summary>
internal static class CampaignModel
{
    /// <summary>The aggregator's fit of a campaign and the task indices of the matrix.</summary>
    public sealed record Fit(AnswerMatrix Matrix, AggregationResult Result, IAggregator Aggregator, long ThroughSeq,
        IReadOnlyDictionary<long, int> TaskIndex)
    {
        /// <summary>The inference for one task (by its sequence number in the campaign).</summary>
        public ModelView For(long taskSeq)
        {
            var t = TaskIndex.GetValueOrDefault(taskSeq, -1);
            var label = t < 0 ? -1 : Result.Answer[t];
            return new ModelView(label < 0 ? null : Matrix.Labels[label], t < 0 ? 0 : Result.Confidence[t],
                Aggregator.Version, ThroughSeq);
        }
    }

    public static Fit Run(StoreTx tx, CampaignRow campaign, long? throughSeq = null) =>
        Run(tx.Connection, tx.Transaction, campaign, throughSeq);

    public static Fit Run(DbConnection connection, DbTransaction? transaction, CampaignRow campaign,
        long? throughSeq = null)
    {
        var aggregator = Aggregators.Find(campaign.VerificationPolicy.Aggregator) ?? new MajorityVote();
        var through = throughSeq ?? connection.ExecuteScalar<long?>(
            "SELECT MAX(seq) FROM submissions WHERE campaign_id = @Id", new { campaign.Id }, transaction) ?? 0;
        var rows = connection.Query<(long TaskSeq, string Contributor, string Answer)>("""
            SELECT task_seq, contributor, answer FROM submissions
            WHERE campaign_id = @Id AND seq <= @through ORDER BY seq
            """, new { campaign.Id, through }, transaction);
        var gold = connection.Query<(long Seq, string Gold)>(
            "SELECT seq, gold FROM tasks WHERE campaign_id = @Id AND gold IS NOT NULL", new { campaign.Id }, transaction);
        var builder = new AnswerMatrixBuilder(campaign.LabelList);
        foreach (var (taskSeq, contributor, answer) in rows)
        {
            builder.Add(Key(taskSeq), contributor, answer);
        }
        var matrix = builder.Build();
        var known = new int[matrix.TaskCount];
        Array.Fill(known, -1);
        foreach (var (seq, label) in gold)
        {
            var t = builder.TaskIndex(Key(seq));
            if (t >= 0)
            {
                known[t] = builder.LabelIndex(label);
            }
        }
        var result = aggregator.Aggregate(matrix, new AggregationOptions { Known = known });
        var taskIndex = Enumerable.Range(0, matrix.TaskCount).ToDictionary(
            t => long.Parse(matrix.TaskIds[t], System.Globalization.CultureInfo.InvariantCulture));
        return new Fit(matrix, result, aggregator, through, taskIndex);
    }

    private static string Key(long taskSeq) => taskSeq.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

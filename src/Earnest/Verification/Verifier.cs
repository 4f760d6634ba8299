using System.Text.Json;

namespace Earnest.Verification;

/// <summary>The state of a submission's decision.</summary>
public enum DecisionStatus
{
    /// <summary>Not decided yet (waiting for more answers).</summary>
    Pending,
    /// <summary>Accepted: paid exactly once.</summary>
    Accepted,
    /// <summary>Rejected: not paid.</summary>
    Rejected,
}

/// <summary>One recorded answer to a task, as the verifier sees it.</summary>
public sealed record Answer(string SubmissionId, string Contributor, string Value, DecisionStatus Status);

/// <summary>What the verifier knows of a task: how many answers it wants now and its hidden gold answer, if any.</summary>
public sealed record TaskState(int Required, string? Gold);

/// <summary>A decision about one submission, with the verifier that made it and the inputs it depended on.</summary>
public sealed record Decision(string SubmissionId, DecisionStatus Status, string Reason, string Verifier, string Inputs);

/// <summary>A task's inferred answer and the confidence in it.</summary>
public sealed record Consensus(string Answer, double Confidence, int Votes, int Answers);

/// <summary>
/// An aggregator's inference about one task, and what it was computed from: the campaign's answers up to submission
/// sequence <paramref name="FitThroughSeq"/>, with the aggregator of <paramref name="AggregatorVersion"/>.
/// </summary>
public sealed record ModelView(string? Answer, double Confidence, string AggregatorVersion, long FitThroughSeq);

/// <summary>What deciding a task produced: new decisions, the consensus if one was reached, and the answers wanted.</summary>
public sealed record TaskOutcome(IReadOnlyList<Decision> Decisions, Consensus? Consensus, int Required);

/// <summary>
/// The verifiers: pure functions of the recorded answers, so a replay of the same answers in the same order
/// re-derives every decision. Precedence: a task with a gold answer is decided by gold alone; any other by majority.
/// </summary>
public static class Verifier
{
    /// <summary>Name and version recorded with each decision; bump it when any rule below changes.</summary>
    public const string GoldVersion = "gold/1";

    /// <summary>Name and version of the majority-vote verifier.</summary>
    public const string MajorityVersion = "majority/1";

    /// <summary>
    /// Decides what can be decided for one task. <paramref name="answers"/> are all its answers in arrival order.
    /// When <paramref name="closing"/> is true the campaign is closing: nothing may stay pending, and answers that
    /// the crowd could not settle (too few, or a tie) are accepted in good faith.
    /// </summary>
    public static TaskOutcome Decide(VerificationPolicy policy, TaskState task, IReadOnlyList<Answer> answers,
        int labelCount, bool closing)
    {
        if (task.Gold is not null)
        {
            return DecideByGold(task, answers);
        }
        return DecideByMajority(policy, task, answers, labelCount, closing);
    }

    /// <summary>Name and version of the verifier that decides by an aggregator's inference.</summary>
    public const string ModelVersion = "model/1";

    /// <summary>
    /// True when deciding this task needs an aggregator's inference: a non-gold task under a model policy with
    /// undecided answers and at least the answers it asked for (or a closing campaign).
    /// </summary>
    public static bool NeedsModel(VerificationPolicy policy, TaskState task, IReadOnlyList<Answer> answers,
        bool closing) =>
        task.Gold is null && !policy.IsClassicMajority && answers.Any(a => a.Status == DecisionStatus.Pending) &&
        (closing || answers.Count >= task.Required);

    /// <summary>
    /// Decides a non-gold task from an aggregator's inference. Under fixed overlap the task is decided once its
    /// answers are in; under dynamic overlap once the confidence reaches the threshold or the answers reach the
    /// maximum, else it asks for one more answer. Answers equal to the inferred answer are accepted.
    /// </summary>
    public static TaskOutcome DecideByModel(VerificationPolicy policy, TaskState task, IReadOnlyList<Answer> answers,
        ModelView model, bool closing)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(model);
        if (!NeedsModel(policy, task, answers, closing))
        {
            return new TaskOutcome([], null, task.Required);
        }
        var ready = closing || model.Answer is null || policy.Dynamic is not { } dynamic ||
                    model.Confidence >= dynamic.Confidence || answers.Count >= dynamic.Max;
        if (!ready)
        {
            return new TaskOutcome([], null, answers.Count + 1);
        }
        var inputs = JsonSerializer.Serialize(new
        {
            aggregator = model.AggregatorVersion,
            fitThroughSeq = model.FitThroughSeq,
            required = task.Required,
            answers = answers.Select(a => a.SubmissionId),
            inferred = model.Answer,
            confidence = model.Confidence,
            closing,
        });
        var confidence = model.Confidence.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        var decisions = answers.Where(a => a.Status == DecisionStatus.Pending)
            .Select(a => string.Equals(a.Value, model.Answer, StringComparison.Ordinal)
                ? new Decision(a.SubmissionId, DecisionStatus.Accepted,
                    $"agrees with the inferred answer (confidence {confidence}, {model.AggregatorVersion})", ModelVersion, inputs)
                : new Decision(a.SubmissionId, DecisionStatus.Rejected,
                    $"differs from the inferred answer (confidence {confidence}, {model.AggregatorVersion})", ModelVersion, inputs))
            .ToList();
        var votes = answers.Count(a => a.Value == model.Answer);
        return new TaskOutcome(decisions,
            model.Answer is null ? null : new Consensus(model.Answer, model.Confidence, votes, answers.Count),
            task.Required);
    }

    private static TaskOutcome DecideByGold(TaskState task, IReadOnlyList<Answer> answers)
    {
        var decisions = new List<Decision>();
        foreach (var answer in answers.Where(a => a.Status == DecisionStatus.Pending))
        {
            var correct = string.Equals(answer.Value, task.Gold, StringComparison.Ordinal);
            var inputs = JsonSerializer.Serialize(new { answer = answer.Value, gold = task.Gold });
            decisions.Add(new Decision(answer.SubmissionId,
                correct ? DecisionStatus.Accepted : DecisionStatus.Rejected,
                correct ? "matches the known answer" : "does not match the known answer",
                GoldVersion, inputs));
        }
        return new TaskOutcome(decisions, null, task.Required);
    }

    private static TaskOutcome DecideByMajority(VerificationPolicy policy, TaskState task,
        IReadOnlyList<Answer> answers, int labelCount, bool closing)
    {
        var pending = answers.Where(a => a.Status == DecisionStatus.Pending).ToList();
        if (pending.Count == 0 || (answers.Count < task.Required && !closing))
        {
            return new TaskOutcome([], null, task.Required);
        }
        var votes = Tally(answers);
        var top = votes[0];
        var tied = votes.Where(v => v.Count == top.Count).Select(v => v.Label).ToList();
        if (tied.Count > 1 && !closing && answers.Count < policy.MaxOverlap)
        {
            // A tie waits for one more answer to break it.
            return new TaskOutcome([], null, answers.Count + 1);
        }
        var inputs = JsonSerializer.Serialize(new
        {
            required = task.Required,
            answers = answers.Select(a => a.SubmissionId),
            votes = votes.Select(v => new { label = v.Label, count = v.Count }),
            closing,
        });
        if (tied.Count > 1 || (closing && answers.Count < task.Required))
        {
            // The crowd could not settle this task (a tie at the cap, or the campaign closed first): every answer
            // among the leaders is accepted in good faith; an answer outside them is rejected.
            var settled = Judge(pending, tied, inputs,
                $"no consensus was reached ({Describe(votes)}); accepted in good faith",
                $"differs from the leading answers ({Describe(votes)})");
            return new TaskOutcome(settled, tied.Count == 1 ? Confidence(top, answers.Count, labelCount) : null,
                task.Required);
        }
        var decided = Judge(pending, [top.Label], inputs,
            $"agrees with the consensus ({top.Count} of {answers.Count})",
            $"differs from the consensus ({top.Count} of {answers.Count} chose another answer)");
        return new TaskOutcome(decided, Confidence(top, answers.Count, labelCount), task.Required);
    }

    /// <summary>Accepts the pending answers whose value is among <paramref name="accepted"/>, rejects the rest.</summary>
    private static List<Decision> Judge(IEnumerable<Answer> pending, IReadOnlyList<string> accepted, string inputs,
        string acceptReason, string rejectReason) =>
        pending.Select(answer => accepted.Contains(answer.Value, StringComparer.Ordinal)
                ? new Decision(answer.SubmissionId, DecisionStatus.Accepted, acceptReason, MajorityVersion, inputs)
                : new Decision(answer.SubmissionId, DecisionStatus.Rejected, rejectReason, MajorityVersion, inputs))
            .ToList();

    /// <summary>
    /// Votes per label, most votes first; equal counts in order of first arrival, so the order is deterministic.
    /// </summary>
    public static IReadOnlyList<(string Label, int Count)> Tally(IReadOnlyList<Answer> answers) =>
        answers.Select((a, i) => (a.Value, i))
            .GroupBy(x => x.Value, StringComparer.Ordinal)
            .Select(g => (Label: g.Key, Count: g.Count(), First: g.Min(x => x.i)))
            .OrderByDescending(v => v.Count).ThenBy(v => v.First)
            .Select(v => (v.Label, v.Count))
            .ToList();

    /// <summary>
    /// Confidence of a majority answer: the posterior mean of its share under a uniform prior over the labels
    /// (Laplace smoothing), so three agreeing answers of two labels give 0.8, not a certain 1.0.
    /// </summary>
    public static Consensus Confidence((string Label, int Count) top, int answers, int labelCount) =>
        new(top.Label, (top.Count + 1.0) / (answers + Math.Max(labelCount, 2)), top.Count, answers);

    private static string Describe(IReadOnlyList<(string Label, int Count)> votes) =>
        string.Join(", ", votes.Select(v => $"{v.Label}: {v.Count}"));
}

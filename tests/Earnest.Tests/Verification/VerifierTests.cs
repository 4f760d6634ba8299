using Earnest.Verification;
using Xunit;

namespace Earnest.Tests.Verification;

public sealed class VerifierTests
{
    private static readonly VerificationPolicy Three = VerificationPolicy.ForOverlap(3);

    private static List<Answer> Answers(params string[] values) =>
        values.Select((v, i) => new Answer($"s{i}", $"c{i}", v, DecisionStatus.Pending)).ToList();

    [Fact]
    public void gold_decides_each_answer_at_once_by_the_known_answer()
    {
        var outcome = Verifier.Decide(Three, new TaskState(3, "yes"), Answers("yes", "no"), 2, closing: false);
        Assert.Equal([DecisionStatus.Accepted, DecisionStatus.Rejected], outcome.Decisions.Select(d => d.Status));
        Assert.All(outcome.Decisions, d => Assert.Equal(Verifier.GoldVersion, d.Verifier));
        Assert.DoesNotContain("yes", outcome.Decisions[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void majority_waits_until_overlap_answers_are_in()
    {
        var outcome = Verifier.Decide(Three, new TaskState(3, null), Answers("yes", "yes"), 2, closing: false);
        Assert.Empty(outcome.Decisions);
        Assert.Null(outcome.Consensus);
    }

    [Fact]
    public void majority_accepts_answers_equal_to_the_consensus_and_rejects_the_rest()
    {
        var outcome = Verifier.Decide(Three, new TaskState(3, null), Answers("yes", "no", "yes"), 2, closing: false);
        Assert.Equal([DecisionStatus.Accepted, DecisionStatus.Rejected, DecisionStatus.Accepted],
            outcome.Decisions.Select(d => d.Status));
        Assert.Equal("yes", outcome.Consensus!.Answer);
        Assert.Equal(3.0 / 5.0, outcome.Consensus.Confidence, 10);
        Assert.Contains("\"votes\"", outcome.Decisions[0].Inputs, StringComparison.Ordinal);
    }

    [Fact]
    public void a_tie_stays_pending_and_asks_for_one_more_answer()
    {
        var policy = VerificationPolicy.ForOverlap(2);
        var tie = Verifier.Decide(policy, new TaskState(2, null), Answers("yes", "no"), 2, closing: false);
        Assert.Empty(tie.Decisions);
        Assert.Equal(3, tie.Required);

        var broken = Verifier.Decide(policy, new TaskState(3, null), Answers("yes", "no", "no"), 2, closing: false);
        Assert.Equal([DecisionStatus.Rejected, DecisionStatus.Accepted, DecisionStatus.Accepted],
            broken.Decisions.Select(d => d.Status));
    }

    [Fact]
    public void a_tie_at_the_cap_accepts_the_leading_answers_in_good_faith()
    {
        var policy = new VerificationPolicy(2, 4);
        var outcome = Verifier.Decide(policy, new TaskState(4, null), Answers("a", "b", "a", "b"), 3, closing: false);
        Assert.All(outcome.Decisions, d => Assert.Equal(DecisionStatus.Accepted, d.Status));
        Assert.Null(outcome.Consensus);
    }

    [Fact]
    public void closing_settles_every_pending_answer()
    {
        var outcome = Verifier.Decide(Three, new TaskState(3, null), Answers("yes"), 2, closing: true);
        Assert.Equal(DecisionStatus.Accepted, Assert.Single(outcome.Decisions).Status);
    }

    [Fact]
    public void already_decided_answers_are_not_decided_again()
    {
        var answers = Answers("yes", "no", "yes");
        answers[0] = answers[0] with { Status = DecisionStatus.Accepted };
        var outcome = Verifier.Decide(Three, new TaskState(3, "yes"), answers, 2, closing: false);
        Assert.Equal(["s1", "s2"], outcome.Decisions.Select(d => d.SubmissionId));
    }

    [Fact]
    public void the_same_answers_give_the_same_decisions_bit_for_bit()
    {
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var values = Enumerable.Range(0, random.Next(1, 8)).Select(_ => random.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var a = Verifier.Decide(Three, new TaskState(3, null), Answers(values), 3, closing: false);
            var b = Verifier.Decide(Three, new TaskState(3, null), Answers(values), 3, closing: false);
            Assert.Equal(a.Decisions, b.Decisions);
            Assert.Equal(a.Consensus, b.Consensus);
        }
    }
}

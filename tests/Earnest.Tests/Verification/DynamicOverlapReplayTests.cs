using Earnest.Verification.Aggregation;
using Xunit;

namespace Earnest.Tests.Verification;

public sealed class DynamicOverlapReplayTests
{
    private static (AnswerMatrix, int[]) Synthetic(int seed, int tasks = 120, int workers = 9)
    {
        var random = new Random(seed);
        var builder = new AnswerMatrixBuilder(["a", "b", "c"]);
        var truth = new int[tasks];
        for (var t = 0; t < tasks; t++)
        {
            truth[t] = random.Next(3);
            for (var w = 0; w < workers; w++)
            {
                var label = random.NextDouble() < (w < 6 ? 0.8 : 0.4) ? truth[t] : random.Next(3);
                builder.Add($"t{t}", $"w{w}", "abc"[label].ToString());
            }
        }
        return (builder.Build(), truth);
    }

    private static readonly IAggregator Rds = Aggregators.Find("rds")!;

    private static ReplaySettings Rule(double threshold, int min = 1, int max = int.MaxValue, int seed = 1) =>
        new(threshold, min, max, seed) { StopModel = Aggregators.FindStoppingModel("pooled:5"), Margin = 2 };

    [Fact]
    public void the_same_seed_gives_the_same_replay_and_another_seed_another_order()
    {
        var (m, truth) = Synthetic(1);
        var a = DynamicOverlapReplay.Run(m, truth, Rds, Rule(0.97));
        var b = DynamicOverlapReplay.Run(m, truth, Rds, Rule(0.97));
        Assert.Equal(a, b);
        Assert.InRange(a.AnswersPaid, 2 * 120, m.AnswerCount - 1);
        var other = DynamicOverlapReplay.Run(m, truth, Rds, Rule(0.97, seed: 2));
        Assert.NotEqual(a.AnswersPaid, other.AnswersPaid);
    }

    [Fact]
    public void a_threshold_of_zero_pays_the_minimum_and_one_pays_everything()
    {
        var (m, truth) = Synthetic(2);
        var settings = new ReplaySettings(0, 3, int.MaxValue, 1) { StopModel = Aggregators.FindStoppingModel("pooled:5") };
        var minimum = DynamicOverlapReplay.Run(m, truth, Rds, settings);
        Assert.Equal(3 * 120, minimum.AnswersPaid);
        Assert.Equal(1, minimum.Rounds);
        var all = DynamicOverlapReplay.Run(m, truth, Rds, settings with { Threshold = 1 });
        Assert.Equal(m.AnswerCount, all.AnswersPaid);
        Assert.Equal(1.0, all.Share);
        Assert.Equal(Scoring.Categorical(m, truth, Rds.Aggregate(m, new AggregationOptions()).Answer).Accuracy, all.Accuracy);
    }

    [Fact]
    public void no_task_gets_fewer_than_the_minimum_or_more_than_the_maximum()
    {
        var (m, truth) = Synthetic(3);
        Assert.Equal(4 * 120, DynamicOverlapReplay.Run(m, truth, Rds, Rule(1, min: 2, max: 4)).AnswersPaid);
        Assert.Equal(5 * 120, DynamicOverlapReplay.Run(m, truth, Rds, Rule(0, min: 5, max: 5)).AnswersPaid);
        var between = DynamicOverlapReplay.Run(m, truth, Rds, Rule(0.99, min: 3, max: 6));
        Assert.InRange(between.AnswersPaid, 3 * 120, 6 * 120);
    }

    [Fact]
    public void unanimous_answers_stop_at_the_vote_margin_or_the_agreeing_count()
    {
        var builder = new AnswerMatrixBuilder(["a", "b"]);
        for (var w = 0; w < 6; w++)
        {
            builder.Add("t", "w" + w, "a");
        }
        var m = builder.Build();
        int[] truth = [0];
        var mv = new MajorityVote();
        // With a threshold of 0 any confidence will do, so the vote rules alone decide when to stop.
        Assert.Equal(1, DynamicOverlapReplay.Run(m, truth, mv, new ReplaySettings(0, 1, 6, 1)).AnswersPaid);
        Assert.Equal(3, DynamicOverlapReplay.Run(m, truth, mv, new ReplaySettings(0, 1, 6, 1) { Margin = 3 }).AnswersPaid);
        Assert.Equal(2, DynamicOverlapReplay.Run(m, truth, mv, new ReplaySettings(0, 1, 6, 1) { Agree = 2 }).AnswersPaid);
        Assert.Equal(4, DynamicOverlapReplay.Run(m, truth, mv, new ReplaySettings(0, 4, 6, 1) { Margin = 3 }).AnswersPaid);
        // Majority vote's confidence after n unanimous answers is (n + 1) / (n + 2): 0.8 needs 3 of them.
        Assert.Equal(3, DynamicOverlapReplay.Run(m, truth, mv, new ReplaySettings(0.8, 1, 6, 1)).AnswersPaid);
    }

    [Fact]
    public void a_task_whose_votes_never_lead_by_the_margin_buys_every_answer()
    {
        // Three a and three b: no prefix of any order leads by 4, so all six are bought, whatever the seed.
        var builder = new AnswerMatrixBuilder(["a", "b"]);
        string[] labels = ["a", "b", "a", "b", "a", "b"];
        for (var w = 0; w < labels.Length; w++)
        {
            builder.Add("t", "w" + w, labels[w]);
        }
        var m = builder.Build();
        for (var seed = 1; seed <= 5; seed++)
        {
            var r = DynamicOverlapReplay.Run(m, [0], new MajorityVote(), new ReplaySettings(0, 1, 10, seed) { Margin = 4 });
            Assert.Equal(6, r.AnswersPaid);
        }
    }

    [Fact]
    public void the_pooled_prior_makes_a_contributor_seen_once_count_as_an_average_one()
    {
        // Four contributors who disagree often, and one newcomer who answered one task alone.
        var builder = new AnswerMatrixBuilder(["a", "b"]);
        var random = new Random(7);
        for (var t = 0; t < 40; t++)
        {
            for (var w = 0; w < 4; w++)
            {
                builder.Add("t" + t, "w" + w, random.NextDouble() < 0.7 ? "a" : "b");
            }
        }
        builder.Add("solo", "new", "a");
        var m = builder.Build();
        var solo = Array.IndexOf(m.TaskIds, "solo");
        var plain = Rds.Aggregate(m, new AggregationOptions()).Confidence[solo];
        var pooled = Aggregators.FindStoppingModel("pooled:5")!.Aggregate(m, new AggregationOptions()).Confidence[solo];
        Assert.True(plain > 0.999, $"rds trusts the newcomer: {plain}");
        Assert.True(pooled < 0.99, $"pooled {pooled} vs plain {plain}");
    }

    [Fact]
    public void stopping_models_are_found_by_name_or_pooled_spec()
    {
        Assert.Equal("rds", Aggregators.FindStoppingModel("rds")!.Name);
        Assert.Equal("pooled:5", Aggregators.FindStoppingModel("pooled:5")!.Name);
        Assert.Null(Aggregators.FindStoppingModel("pooled:x"));
        Assert.Null(Aggregators.FindStoppingModel("pooled:0"));
        Assert.Null(Aggregators.FindStoppingModel("nope"));
    }
}

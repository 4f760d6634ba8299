using Earnest.Tests.Support;
using Earnest.Verification.Aggregation;
using Xunit;

namespace Earnest.Tests.Verification;

public sealed class AggregatorTests
{
    public static TheoryData<string> Categorical() => [.. Aggregators.All.Where(a => !a.IsNumeric).Select(a => a.Name)];

    public static TheoryData<string> Numeric() => [.. Aggregators.All.Where(a => a.IsNumeric).Select(a => a.Name)];

    private static AnswerMatrix Matrix(params (string Task, string Worker, string Label)[] answers)
    {
        var builder = new AnswerMatrixBuilder(["a", "b", "c"]);
        foreach (var (t, w, l) in answers)
        {
            builder.Add(t, w, l);
        }
        return builder.Build();
    }

    /// <summary>
    /// Three reliable contributors answer 20 tasks right; a fourth always answers "c". Task t0 gets the reliable
    /// "a" from one and "c" from the fourth plus a careless "c": two wrong answers against one reliable one.
    /// Methods that learn contributor quality must side with the reliable contributor; majority vote cannot.
    /// Classic Dawid–Skene is left out on purpose: unregularised, it explains the careless "c" answers as a third
    /// class of their own (a likelihood maximum that is wrong), which is why the default is the regularised "rds".
    /// </summary>
    private static AnswerMatrix ReliableAgainstCareless()
    {
        var answers = new List<(string, string, string)>();
        for (var t = 1; t <= 20; t++)
        {
            var truth = t % 2 == 0 ? "a" : "b";
            answers.Add(($"t{t}", "r1", truth));
            answers.Add(($"t{t}", "r2", truth));
            answers.Add(($"t{t}", "r3", truth));
            answers.Add(($"t{t}", "spam", "c"));
            answers.Add(($"t{t}", "careless", t % 3 == 0 ? "c" : truth));
        }
        answers.Add(("t0", "r1", "a"));
        answers.Add(("t0", "spam", "c"));
        answers.Add(("t0", "careless", "c"));
        return Matrix([.. answers]);
    }

    [Theory]
    [InlineData("rds")]
    [InlineData("hds")]
    [InlineData("mace")]
    [InlineData("glad")]
    [InlineData("wawa")]
    public void methods_that_learn_quality_trust_the_reliable_contributor(string name)
    {
        var m = ReliableAgainstCareless();
        var t0 = Array.IndexOf(m.TaskIds, "t0");
        Assert.Equal("c", m.Labels[new MajorityVote().Aggregate(m, new AggregationOptions()).Answer[t0]]);
        var result = Aggregators.Find(name)!.Aggregate(m, new AggregationOptions());
        Assert.Equal("a", m.Labels[result.Answer[t0]]);
        var r1 = Array.IndexOf(m.WorkerIds, "r1");
        var spam = Array.IndexOf(m.WorkerIds, "spam");
        Assert.True(result.WorkerQuality[r1] > result.WorkerQuality[spam], $"{name}: r1 {result.WorkerQuality[r1]} vs spam {result.WorkerQuality[spam]}");
    }

    /// <summary>
    /// Two contributors disagree on every task; gold says which of them is right. Counting gold answers more than
    /// once (the default's gold weight) makes the model more sure of the reliable one, and so of the disputed tasks.
    /// </summary>
    [Fact]
    public void gold_answers_weigh_more_in_a_contributors_confusion_than_estimated_ones()
    {
        var answers = new List<(string, string, string)>();
        for (var t = 0; t < 6; t++)
        {
            var truth = t % 2 == 0 ? "a" : "b";
            var other = truth == "a" ? "b" : "a";
            answers.Add(($"g{t}", "right", truth));
            answers.Add(($"g{t}", "wrong", other));
            answers.Add(($"t{t}", "right", truth));
            answers.Add(($"t{t}", "wrong", other));
        }
        var m = Matrix([.. answers]);
        var known = m.TaskIds.Select(id => id.StartsWith('g') ? Array.IndexOf(m.Labels, int.Parse(id[1..]) % 2 == 0 ? "a" : "b") : -1).ToArray();
        var options = new AggregationOptions { Known = known };
        var weighted = new DawidSkene(8, DawidSkene.Smoothing, "w", pooledPrior: 3, goldWeight: 5).Aggregate(m, options);
        var once = new DawidSkene(8, DawidSkene.Smoothing, "o", pooledPrior: 3, goldWeight: 1).Aggregate(m, options);
        for (var t = 0; t < 6; t++)
        {
            var task = Array.IndexOf(m.TaskIds, $"t{t}");
            Assert.Equal(t % 2 == 0 ? "a" : "b", m.Labels[weighted.Answer[task]]);
            Assert.True(weighted.Confidence[task] > once.Confidence[task], $"t{t}: {weighted.Confidence[task]} vs {once.Confidence[task]}");
        }
        var (right, wrong) = (Array.IndexOf(m.WorkerIds, "right"), Array.IndexOf(m.WorkerIds, "wrong"));
        Assert.True(weighted.WorkerQuality[right] > weighted.WorkerQuality[wrong]);
        Assert.True(weighted.WorkerQuality[wrong] < once.WorkerQuality[wrong],
            $"gold's weight should pull the wrong contributor's estimate down: {weighted.WorkerQuality[wrong]} vs {once.WorkerQuality[wrong]}");
    }

    [Fact]
    public void majority_vote_breaks_ties_by_first_arrival_and_smooths_confidence()
    {
        var m = Matrix(("t", "w1", "b"), ("t", "w2", "a"), ("u", "w1", "a"), ("u", "w2", "a"), ("u", "w3", "a"));
        var result = new MajorityVote().Aggregate(m, new AggregationOptions());
        Assert.Equal("b", m.Labels[result.Answer[0]]);
        Assert.Equal((3 + 1.0) / (3 + 3), result.Confidence[1], 12);
    }

    [Theory]
    [MemberData(nameof(Categorical))]
    public void every_method_is_deterministic_bit_for_bit(string name)
    {
        var m = Random(seed: 11);
        var method = Aggregators.Find(name)!;
        var a = method.Aggregate(m, new AggregationOptions());
        var b = method.Aggregate(m, new AggregationOptions());
        Assert.Equal(a.Answer, b.Answer);
        Assert.Equal(a.Confidence, b.Confidence);
        Assert.Equal(a.WorkerQuality, b.WorkerQuality);
    }

    [Theory]
    [MemberData(nameof(Categorical))]
    public void tasks_without_answers_and_one_answer_contributors_are_handled(string name)
    {
        var builder = new AnswerMatrixBuilder(["a", "b"]);
        builder.AddTask("empty");
        builder.Add("t1", "once", "a");
        builder.Add("t2", "w", "b");
        builder.Add("t2", "v", "b");
        var m = builder.Build();
        var result = Aggregators.Find(name)!.Aggregate(m, new AggregationOptions());
        var empty = Array.IndexOf(m.TaskIds, "empty");
        Assert.Equal(-1, result.Answer[empty]);
        Assert.Equal(0, result.Confidence[empty]);
        var t1 = result.Answer[Array.IndexOf(m.TaskIds, "t1")];
        Assert.True(t1 >= 0);
        if (name != "ds")
        {
            // Classic Dawid–Skene is known to be degenerate here: the lone answer's contributor has a free confusion
            // row, so its answer carries no evidence and the class prior decides. The regularised default is not.
            Assert.Equal("a", m.Labels[t1]);
        }
        Assert.All(result.Confidence, c => Assert.InRange(c, 0, 1));
        Assert.All(result.WorkerQuality, q => Assert.InRange(q, 0, 1));
    }

    [Theory]
    [MemberData(nameof(Categorical))]
    public void known_answers_are_clamped(string name)
    {
        var m = Matrix(("t", "w1", "a"), ("t", "w2", "a"), ("u", "w1", "b"));
        var known = new[] { 1, -1 };
        var result = Aggregators.Find(name)!.Aggregate(m, new AggregationOptions { Known = known });
        Assert.Equal(1, result.Answer[0]);
    }

    [Theory]
    [MemberData(nameof(Numeric))]
    public void numeric_methods_estimate_values_and_resist_an_outlier(string name)
    {
        var builder = AnswerMatrixBuilder.Numeric();
        builder.AddTask("empty");
        for (var t = 0; t < 10; t++)
        {
            builder.Add($"t{t}", "a", 10 * t);
            builder.Add($"t{t}", "b", 10 * t + 1);
            builder.Add($"t{t}", "c", 10 * t - 1);
        }
        builder.Add("t0", "wild", 1000);
        var m = builder.Build();
        var result = Aggregators.Find(name)!.Aggregate(m, new AggregationOptions());
        Assert.True(double.IsNaN(result.Value![Array.IndexOf(m.TaskIds, "empty")]));
        Assert.Equal(50, result.Value[Array.IndexOf(m.TaskIds, "t5")], 2);
        var t0 = result.Value[Array.IndexOf(m.TaskIds, "t0")];
        if (name != "mean")
        {
            Assert.InRange(t0, -1, 10);
        }
        Assert.True(result.WorkerQuality[Array.IndexOf(m.WorkerIds, "wild")] < result.WorkerQuality[Array.IndexOf(m.WorkerIds, "a")]);
    }

    private static AnswerMatrix Random(int seed)
    {
        var random = new Random(seed);
        var builder = new AnswerMatrixBuilder(["a", "b", "c"]);
        for (var i = 0; i < 600; i++)
        {
            builder.Add($"t{random.Next(100)}", $"w{random.Next(20)}", ((char)('a' + random.Next(3))).ToString());
        }
        return builder.Build();
    }
}

public sealed class PublishedFigureTests
{
    private static CrowdData? Load(string name, bool numeric = false)
    {
        var folder = Datasets.Folder(name);
        return folder is null ? null : CrowdCsv.Load(Path.Combine(folder, "answers.csv"), Path.Combine(folder, "truth.csv"), numeric);
    }

    private static double Accuracy(CrowdData data, string method) =>
        Scoring.Categorical(data.Matrix, data.Truth!, Aggregators.Find(method)!.Aggregate(data.Matrix, new AggregationOptions()).Answer).Accuracy;

    [Fact]
    public void majority_vote_reproduces_the_published_89_66_on_d_product()
    {
        if (Load("zheng_d_product") is not { } data) return;
        Assert.Equal(0.8966, Math.Round(Accuracy(data, "mv"), 4));
    }

    [Fact]
    public void dawid_skene_lands_within_half_a_point_of_the_published_93_66_on_d_product()
    {
        if (Load("zheng_d_product") is not { } data) return;
        Assert.InRange(Accuracy(data, "ds"), 0.9316, 0.9416);
    }

    [Fact]
    public void the_mean_reproduces_the_published_mae_12_02_on_n_emotion()
    {
        if (Load("zheng_n_emotion", numeric: true) is not { } data) return;
        var score = Scoring.Numeric(data.Matrix, data.TruthValue!, new MeanValue().Aggregate(data.Matrix, new AggregationOptions()).Value!);
        Assert.Equal(12.02, Math.Round(score.Mae, 2));
        Assert.Equal(17.84, Math.Round(score.Rmse, 2));
    }
}

using Earnest.Tests.Support;
using Earnest.Verification.Aggregation;
using Xunit;

namespace Earnest.Tests.Verification;

public sealed class CrowdCsvTests : IDisposable
{
    private readonly string _folder = TempFolder.Create();

    public void Dispose() => TempFolder.Delete(_folder);

    private string File(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("", "the file is empty")]
    [InlineData("a,b,c\n1,2,3\n", ":1: the header must be")]
    [InlineData("task,worker,label\n1,w,x\n2,w\n", ":3: 2 fields, expected 3")]
    [InlineData("task,worker,label\n1,w,\n", ":2: an empty field")]
    [InlineData("task,worker,label\n1,w,\"x\n", ":2: a quoted field is not closed")]
    public void a_bad_file_is_an_error_naming_the_line(string text, string message)
    {
        var path = File("answers.csv", text);
        var ex = Assert.Throws<CrowdCsvException>(() => CrowdCsv.Load(path, null, numeric: false));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void an_unknown_label_is_an_error_naming_the_line()
    {
        var path = File("answers.csv", "task,worker,label\n1,w,a\n2,w,z\n");
        var ex = Assert.Throws<CrowdCsvException>(() => CrowdCsv.Load(path, null, numeric: false, labels: ["a", "b"]));
        Assert.Contains(":3: label 'z' is not one of a, b", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_non_number_in_numeric_mode_is_an_error_naming_the_line()
    {
        var path = File("answers.csv", "task,worker,label\n1,w,12\n2,w,high\n");
        var ex = Assert.Throws<CrowdCsvException>(() => CrowdCsv.Load(path, null, numeric: true));
        Assert.Contains(":3: 'high' is not a number", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void quoted_fields_and_truth_only_tasks_are_read()
    {
        var answers = File("answers.csv", "task,worker,label\n\"t,1\",w,\"say \"\"hi\"\"\"\nt2,w,no\n");
        var truth = File("truth.csv", "task,label\n\"t,1\",\"say \"\"hi\"\"\"\nt3,no\n");
        var data = CrowdCsv.Load(answers, truth, numeric: false);
        Assert.Equal(["t,1", "t2", "t3"], data.Matrix.TaskIds);
        Assert.Equal("say \"hi\"", data.Matrix.Labels[data.Truth![0]]);
        Assert.Equal(0, data.Matrix.AnswersOf(2));
    }

    [Fact]
    public void scoring_counts_accuracy_f1_and_the_zheng_protocol()
    {
        var builder = new AnswerMatrixBuilder(["0", "1"]);
        builder.Add("a", "w", "1");
        builder.Add("b", "w", "0");
        builder.Add("c", "w", "1");
        builder.AddTask("d");
        var m = builder.Build();
        int[] truth = [1, 1, 0, 1];
        int[] answer = [1, 0, 1, -1];
        var plain = Scoring.Categorical(m, truth, answer);
        Assert.Equal((3, 1.0 / 3), (plain.Tasks, plain.Accuracy));
        Assert.Equal(2.0 * 1 / (2 * 1 + 1 + 1), plain.F1, 12); // tp 1, fp 1, fn 1
        var zheng = Scoring.Categorical(m, truth, answer, zhengProtocol: true);
        Assert.Equal((1 + 0.5) / 4, zheng.Accuracy, 12);
    }

    [Fact]
    public void mae_and_rmse_skip_tasks_without_truth_or_answers()
    {
        var builder = AnswerMatrixBuilder.Numeric();
        builder.Add("a", "w", 1);
        builder.Add("b", "w", 5);
        builder.AddTask("c");
        var m = builder.Build();
        var score = Scoring.Numeric(m, [2, 1, 3], [1, 5, double.NaN]);
        Assert.Equal((2, 2.5, Math.Sqrt(17 / 2.0)), (score.Tasks, score.Mae, score.Rmse));
    }
}

public sealed class DynamicOverlapTests
{
    private static (AnswerMatrix, int[]) Synthetic(int seed)
    {
        var random = new Random(seed);
        var builder = new AnswerMatrixBuilder(["a", "b"]);
        var truth = new List<int>();
        for (var t = 0; t < 200; t++)
        {
            var right = random.Next(2);
            truth.Add(right);
            for (var w = 0; w < 7; w++)
            {
                var correct = random.NextDouble() < (w < 5 ? 0.85 : 0.55);
                builder.Add($"t{t}", $"w{w}", (correct ? right : 1 - right) == 0 ? "a" : "b");
            }
        }
        return (builder.Build(), truth.ToArray());
    }

    [Fact]
    public void the_same_seed_gives_the_same_replay_and_a_threshold_of_zero_pays_the_minimum()
    {
        var (m, truth) = Synthetic(5);
        var settings = new ReplaySettings(0.8, 2, 7, Seed: 3);
        var a = DynamicOverlapReplay.Run(m, truth, new MajorityVote(), settings);
        var b = DynamicOverlapReplay.Run(m, truth, new MajorityVote(), settings);
        Assert.Equal(a, b);
        var minimum = DynamicOverlapReplay.Run(m, truth, new MajorityVote(), settings with { Threshold = 0 });
        Assert.Equal(2 * 200, minimum.AnswersPaid);
        Assert.True(a.AnswersPaid > minimum.AnswersPaid && a.AnswersPaid < m.AnswerCount);
        Assert.True(a.Accuracy >= minimum.Accuracy);
    }
}

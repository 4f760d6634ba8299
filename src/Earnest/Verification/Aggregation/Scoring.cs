namespace Earnest.Verification.Aggregation;

/// <summary>How well inferred answers match the truth.</summary>
/// <param name="Tasks">Truth tasks scored.</param>
/// <param name="Accuracy">Share right (categorical).</param>
/// <param name="F1">F1 of the positive label (binary sets), else NaN.</param>
/// <param name="Mae">Mean absolute error (numeric), else NaN.</param>
/// <param name="Rmse">Root mean squared error (numeric), else NaN.</param>
public sealed record Score(int Tasks, double Accuracy, double F1, double Mae, double Rmse);

/// <summary>Scores inferred answers against the truth.</summary>
public static class Scoring
{
    /// <summary>
    /// Accuracy over the truth tasks that have answers (crowd-kit's convention), or — with
    /// <paramref name="zhengProtocol"/> — over every truth task, counting a task without answers as a uniform random
    /// guess (expected 1/K right), as Zheng et al. score S_Adult. F1 is that of <paramref name="positive"/> for
    /// binary label sets.
    /// </summary>
    public static Score Categorical(AnswerMatrix m, int[] truth, int[] answer, string? positive = null,
        bool zhengProtocol = false)
    {
        ArgumentNullException.ThrowIfNull(m);
        double right = 0;
        var tasks = 0;
        int tp = 0, fp = 0, fn = 0;
        var pos = m.LabelCount == 2 ? Array.IndexOf(m.Labels, positive ?? "1") : -1;
        for (var t = 0; t < m.TaskCount; t++)
        {
            if (truth[t] < 0)
            {
                continue;
            }
            if (m.AnswersOf(t) == 0 || answer[t] < 0)
            {
                if (zhengProtocol)
                {
                    tasks++;
                    right += 1.0 / Math.Max(m.LabelCount, 1);
                }
                continue;
            }
            tasks++;
            right += answer[t] == truth[t] ? 1 : 0;
            if (pos >= 0)
            {
                tp += answer[t] == pos && truth[t] == pos ? 1 : 0;
                fp += answer[t] == pos && truth[t] != pos ? 1 : 0;
                fn += answer[t] != pos && truth[t] == pos ? 1 : 0;
            }
        }
        var f1 = pos >= 0 && tp + fp + fn > 0 ? 2.0 * tp / (2.0 * tp + fp + fn) : double.NaN;
        return new Score(tasks, tasks == 0 ? double.NaN : right / tasks, f1, double.NaN, double.NaN);
    }

    /// <summary>MAE and RMSE over the truth tasks that have answers.</summary>
    public static Score Numeric(AnswerMatrix m, double[] truth, double[] value)
    {
        ArgumentNullException.ThrowIfNull(m);
        double abs = 0, sq = 0;
        var tasks = 0;
        for (var t = 0; t < m.TaskCount; t++)
        {
            if (double.IsNaN(truth[t]) || double.IsNaN(value[t]))
            {
                continue;
            }
            tasks++;
            var e = value[t] - truth[t];
            abs += Math.Abs(e);
            sq += e * e;
        }
        return new Score(tasks, double.NaN, double.NaN, tasks == 0 ? double.NaN : abs / tasks,
            tasks == 0 ? double.NaN : Math.Sqrt(sq / tasks));
    }
}

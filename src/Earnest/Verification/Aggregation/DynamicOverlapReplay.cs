namespace Earnest.Verification.Aggregation;

/// <summary>Settings of a dynamic-overlap replay.</summary>
/// <param name="Threshold">Confidence at which a task stops asking for answers (1 or more: never stops early).</param>
/// <param name="MinAnswers">Answers every task gets first.</param>
/// <param name="MaxAnswers">The most answers a task gets.</param>
/// <param name="Seed">Seed of the arrival order.</param>
public sealed record ReplaySettings(double Threshold, int MinAnswers, int MaxAnswers, int Seed)
{
    /// <summary>A task also needs at least this many revealed answers giving the stopping model's label (0: no rule).</summary>
    public int Agree { get; init; }

    /// <summary>A task also needs its top label to lead the runner-up by this many revealed votes (0: no rule).</summary>
    public int Margin { get; init; }

    /// <summary>
    /// The model whose confidence decides stopping; null uses the scored aggregator itself. The scored answers always
    /// come from the replayed aggregator re-run on everything revealed at the end, as a campaign re-aggregates at close.
    /// </summary>
    public IAggregator? StopModel { get; init; }
}

/// <summary>What a replay paid for and what it got.</summary>
/// <param name="AnswersPaid">Answers revealed (and so paid for).</param>
/// <param name="Share">AnswersPaid over all answers.</param>
/// <param name="Accuracy">Accuracy on truth tasks with answers.</param>
/// <param name="Rounds">Rounds of asking.</param>
public sealed record ReplayReport(int AnswersPaid, double Share, double Accuracy, int Rounds);

/// <summary>
/// Replays a dataset as if answers were bought one at a time: each task's recorded answers arrive in a seeded random
/// order; every task first gets <see cref="ReplaySettings.MinAnswers"/>; then, round after round, every task whose
/// aggregated confidence is below the threshold buys one more, until none does (or has answers left). The aggregator
/// re-runs on everything revealed after each round, so contributors' estimated quality improves as answers come in.
/// </summary>
public static class DynamicOverlapReplay
{
    /// <summary>Runs a replay. Deterministic for the same matrix, method and settings.</summary>
    public static ReplayReport Run(AnswerMatrix m, int[] truth, IAggregator aggregator, ReplaySettings settings)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(aggregator);
        ArgumentNullException.ThrowIfNull(settings);
        var order = ArrivalOrder(m, settings.Seed);
        var revealed = new int[m.TaskCount];
        for (var t = 0; t < m.TaskCount; t++)
        {
            revealed[t] = Math.Min(Math.Min(settings.MinAnswers, settings.MaxAnswers), m.AnswersOf(t));
        }
        var rounds = 0;
        var stopModel = settings.StopModel ?? aggregator;
        var votes = new int[m.LabelCount];
        AggregationResult stop;
        while (true)
        {
            rounds++;
            stop = stopModel.Aggregate(Subset(m, order, revealed), new AggregationOptions());
            var more = false;
            for (var t = 0; t < m.TaskCount; t++)
            {
                if (revealed[t] < Math.Min(settings.MaxAnswers, m.AnswersOf(t)) && !Settled(m, order, revealed[t], t, stop, settings, votes))
                {
                    revealed[t]++;
                    more = true;
                }
            }
            if (!more)
            {
                break;
            }
        }
        // The last round changed nothing, so when the stopping model is the aggregator its result is the final one.
        var result = ReferenceEquals(stopModel, aggregator)
            ? stop
            : aggregator.Aggregate(Subset(m, order, revealed), new AggregationOptions());
        var paid = revealed.Sum();
        var score = Scoring.Categorical(m, truth, result.Answer);
        return new ReplayReport(paid, m.AnswerCount == 0 ? 0 : (double)paid / m.AnswerCount, score.Accuracy, rounds);
    }

    /// <summary>True when a task has enough: confident enough, with enough agreeing answers and a wide enough vote margin.</summary>
    private static bool Settled(AnswerMatrix m, int[] order, int revealed, int t, AggregationResult stop,
        ReplaySettings settings, int[] votes)
    {
        if (settings.Threshold >= 1 || stop.Confidence[t] < settings.Threshold)
        {
            return false; // a threshold of 1 asks for every answer, even of tasks whose posterior rounds to 1
        }
        if (settings.Agree <= 0 && settings.Margin <= 0)
        {
            return true;
        }
        Array.Clear(votes);
        for (var i = 0; i < revealed; i++)
        {
            votes[m.Label[order[m.TaskStart[t] + i]]]++;
        }
        if (settings.Agree > 0 && (stop.Answer[t] < 0 || votes[stop.Answer[t]] < settings.Agree))
        {
            return false;
        }
        if (settings.Margin > 0)
        {
            int first = 0, second = 0;
            foreach (var v in votes)
            {
                if (v > first)
                {
                    (first, second) = (v, first);
                }
                else if (v > second)
                {
                    second = v;
                }
            }
            return first - second >= settings.Margin;
        }
        return true;
    }

    /// <summary>Each task's answer indices in a seeded random order (Fisher–Yates per task).</summary>
    private static int[] ArrivalOrder(AnswerMatrix m, int seed)
    {
        var random = new Random(seed);
        var order = Enumerable.Range(0, m.AnswerCount).ToArray();
        for (var t = 0; t < m.TaskCount; t++)
        {
            var start = m.TaskStart[t];
            for (var i = m.TaskStart[t + 1] - 1; i > start; i--)
            {
                var j = random.Next(start, i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        return order;
    }

    /// <summary>The matrix of the first revealed[t] answers of each task in arrival order (same task indices).</summary>
    private static AnswerMatrix Subset(AnswerMatrix m, int[] order, int[] revealed)
    {
        var count = revealed.Sum();
        var task = new int[count];
        var worker = new int[count];
        var label = new int[count];
        var n = 0;
        for (var t = 0; t < m.TaskCount; t++)
        {
            for (var i = 0; i < revealed[t]; i++)
            {
                var a = order[m.TaskStart[t] + i];
                task[n] = t;
                worker[n] = m.Worker[a];
                label[n] = m.Label[a];
                n++;
            }
        }
        return new AnswerMatrix(m.TaskIds, m.WorkerIds, m.Labels, task, worker, label, null);
    }
}

namespace Earnest.Verification.Aggregation;

/// <summary>
/// The compact answer matrix every aggregator works on: a sparse list of (task, contributor, label) answers as
/// parallel int arrays, grouped by task (CSR: the answers of task t are at [TaskStart[t], TaskStart[t+1])), with a
/// second index by contributor. Ids are dense ints; the names they stand for are kept beside. Numeric campaigns
/// carry a value per answer instead of a label. Immutable once built.
/// </summary>
public sealed class AnswerMatrix
{
    internal AnswerMatrix(string[] taskIds, string[] workerIds, string[] labels, int[] task, int[] worker, int[] label,
        double[]? value)
    {
        TaskIds = taskIds;
        WorkerIds = workerIds;
        Labels = labels;
        Task = task;
        Worker = worker;
        Label = label;
        Value = value;
        TaskStart = Offsets(task, taskIds.Length);
        ByWorker = Enumerable.Range(0, worker.Length).OrderBy(i => worker[i]).ThenBy(i => i).ToArray();
        WorkerStart = Offsets(ByWorker.Select(i => worker[i]).ToArray(), workerIds.Length);
    }

    /// <summary>Task names, by dense task index.</summary>
    public string[] TaskIds { get; }

    /// <summary>Contributor names, by dense contributor index.</summary>
    public string[] WorkerIds { get; }

    /// <summary>Label names, by dense label index (empty for numeric answers).</summary>
    public string[] Labels { get; }

    /// <summary>Task of each answer; answers are sorted by task, then by arrival.</summary>
    public int[] Task { get; }

    /// <summary>Contributor of each answer.</summary>
    public int[] Worker { get; }

    /// <summary>Label of each answer (0 for numeric answers).</summary>
    public int[] Label { get; }

    /// <summary>Numeric value of each answer, or null for categorical answers.</summary>
    public double[]? Value { get; }

    /// <summary>Answers of task t are the indices [TaskStart[t], TaskStart[t+1]).</summary>
    public int[] TaskStart { get; }

    /// <summary>Answer indices ordered by contributor; those of contributor w are ByWorker[WorkerStart[w]..WorkerStart[w+1]].</summary>
    public int[] ByWorker { get; }

    /// <summary>Offsets into <see cref="ByWorker"/> per contributor.</summary>
    public int[] WorkerStart { get; }

    /// <summary>Number of tasks (including tasks with no answers).</summary>
    public int TaskCount => TaskIds.Length;

    /// <summary>Number of contributors.</summary>
    public int WorkerCount => WorkerIds.Length;

    /// <summary>Number of labels.</summary>
    public int LabelCount => Labels.Length;

    /// <summary>Number of answers.</summary>
    public int AnswerCount => Task.Length;

    /// <summary>True when answers are numbers.</summary>
    public bool IsNumeric => Value is not null;

    /// <summary>Number of answers of a task.</summary>
    public int AnswersOf(int task) => TaskStart[task + 1] - TaskStart[task];

    private static int[] Offsets(int[] sortedKeys, int count)
    {
        var start = new int[count + 1];
        foreach (var k in sortedKeys)
        {
            start[k + 1]++;
        }
        for (var i = 0; i < count; i++)
        {
            start[i + 1] += start[i];
        }
        return start;
    }
}

/// <summary>
/// Builds an <see cref="AnswerMatrix"/> from answers in arrival order. Task, contributor and label names get dense
/// indices in order of first appearance, except labels declared up front (a campaign's label list), which keep
/// their order.
/// </summary>
public sealed class AnswerMatrixBuilder
{
    private readonly Dictionary<string, int> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);
    private readonly List<(int Task, int Worker, int Label, double Value, int Order)> _answers = [];
    private readonly bool _numeric;
    private readonly bool _labelsFixed;

    /// <summary>A builder of categorical answers; with <paramref name="labels"/>, only those labels are allowed.</summary>
    public AnswerMatrixBuilder(IEnumerable<string>? labels = null)
    {
        if (labels is not null)
        {
            foreach (var l in labels)
            {
                _labels.TryAdd(l, _labels.Count);
            }
            _labelsFixed = true;
        }
    }

    private AnswerMatrixBuilder(bool numeric) => _numeric = numeric;

    /// <summary>A builder of numeric answers.</summary>
    public static AnswerMatrixBuilder Numeric() => new(numeric: true);

    /// <summary>Dense index of a task, registering it (a task may have no answers).</summary>
    public int AddTask(string task)
    {
        if (!_tasks.TryGetValue(task, out var t))
        {
            _tasks[task] = t = _tasks.Count;
        }
        return t;
    }

    /// <summary>True when the label is allowed (always, unless labels were declared).</summary>
    public bool IsKnownLabel(string label) => !_labelsFixed || _labels.ContainsKey(label);

    /// <summary>Adds a categorical answer.</summary>
    public void Add(string task, string worker, string label)
    {
        if (_numeric)
        {
            throw new InvalidOperationException("This builder takes numeric answers.");
        }
        if (!_labels.TryGetValue(label, out var l))
        {
            if (_labelsFixed)
            {
                throw new ArgumentException($"Unknown label '{label}'.", nameof(label));
            }
            _labels[label] = l = _labels.Count;
        }
        _answers.Add((AddTask(task), WorkerIndex(worker), l, 0, _answers.Count));
    }

    /// <summary>Adds a numeric answer.</summary>
    public void Add(string task, string worker, double value)
    {
        if (!_numeric)
        {
            throw new InvalidOperationException("This builder takes categorical answers.");
        }
        _answers.Add((AddTask(task), WorkerIndex(worker), 0, value, _answers.Count));
    }

    /// <summary>Dense index of a label, or -1.</summary>
    public int LabelIndex(string label) => _labels.GetValueOrDefault(label, -1);

    /// <summary>Dense index of a task, or -1.</summary>
    public int TaskIndex(string task) => _tasks.GetValueOrDefault(task, -1);

    private int WorkerIndex(string worker)
    {
        if (!_workers.TryGetValue(worker, out var w))
        {
            _workers[worker] = w = _workers.Count;
        }
        return w;
    }

    /// <summary>The matrix.</summary>
    public AnswerMatrix Build()
    {
        var sorted = _answers.OrderBy(a => a.Task).ThenBy(a => a.Order).ToArray();
        return new AnswerMatrix(
            _tasks.OrderBy(p => p.Value).Select(p => p.Key).ToArray(),
            _workers.OrderBy(p => p.Value).Select(p => p.Key).ToArray(),
            _labels.OrderBy(p => p.Value).Select(p => p.Key).ToArray(),
            sorted.Select(a => a.Task).ToArray(), sorted.Select(a => a.Worker).ToArray(),
            sorted.Select(a => a.Label).ToArray(), _numeric ? sorted.Select(a => a.Value).ToArray() : null);
    }
}

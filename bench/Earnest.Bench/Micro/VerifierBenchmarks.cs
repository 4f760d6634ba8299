using BenchmarkDotNet.Attributes;
using Earnest.Verification;

namespace Earnest.Bench.Micro;

/// <summary>
/// <see cref="Verifier.Decide"/> as a submission calls it, for a task with 3 to 5 answers: by majority when the last
/// answer a task needs arrives (every answer pending, all decided at once), and by gold when one more answer comes to
/// a gold task that earlier answers already decided.
/// </summary>
[MemoryDiagnoser]
public class VerifierBenchmarks
{
    private static readonly string[] Labels = ["cat", "dog", "bird"];
    private static readonly VerificationPolicy Policy = VerificationPolicy.ForOverlap(3);

    private IReadOnlyList<Answer> _pending = [];
    private IReadOnlyList<Answer> _goldAnswers = [];

    /// <summary>Answers the task has when it is decided.</summary>
    [Params(3, 4, 5)]
    public int Answers { get; set; }

    [GlobalSetup]
    public void SetUp()
    {
        // A clear majority of "cat" with dissent, e.g. cat, dog, cat, bird, cat.
        var values = Enumerable.Range(0, Answers).Select(i => i % 2 == 0 ? "cat" : Labels[1 + i / 2 % 2]).ToArray();
        _pending = values.Select((v, i) => new Answer($"sub_{i:D32}", $"contributor{i}", v, DecisionStatus.Pending))
            .ToList();
        _goldAnswers = values.Select((v, i) => new Answer($"sub_{i:D32}", $"contributor{i}", v,
                i == values.Length - 1 ? DecisionStatus.Pending
                : v == "cat" ? DecisionStatus.Accepted : DecisionStatus.Rejected))
            .ToList();
    }

    [Benchmark(Description = "Decide by majority")]
    public TaskOutcome Majority() =>
        Verifier.Decide(Policy, new TaskState(Answers, null), _pending, Labels.Length, closing: false);

    [Benchmark(Description = "Decide by gold")]
    public TaskOutcome Gold() =>
        Verifier.Decide(Policy, new TaskState(3, "cat"), _goldAnswers, Labels.Length, closing: false);
}

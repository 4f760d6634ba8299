using Earnest.Verification;
using Earnest.Verification.Aggregation;

namespace Earnest.Market;

/// <summary>Turns a create-campaign call's policy into a <see cref="VerificationPolicy"/>, validating each field.</summary>
public static class Policies
{
    /// <summary>
    /// The aggregator of campaigns that do not name one: majority vote with tie handling. Offline, the regularised
    /// Dawid–Skene (<see cref="Aggregators.Default"/>) is more accurate, but a campaign decides each task as soon as
    /// its answers are in, when most contributors have answered only a few tasks; there the demo's crowd measured
    /// 93.0 % for majority vote against 90.7 % for "rds", at twice the cost per decision (docs/verification.md).
    /// </summary>
    public const string DefaultAggregator = "mv";

    /// <summary>Bounds of dynamic overlap and qualification.</summary>
    public const int MaxAnswersPerTask = 50, MaxQualification = 100;

    /// <summary>The policy, or null with the reasons added to <paramref name="validation"/>.</summary>
    public static VerificationPolicy? From(PolicyRequest? request, int overlap, Validation validation)
    {
        ArgumentNullException.ThrowIfNull(validation);
        var name = request?.Aggregator ?? DefaultAggregator;
        var aggregator = Aggregators.Find(name);
        validation.Require(aggregator is { IsNumeric: false }, "policy.aggregator",
            "The aggregator is one of: " + string.Join(", ", Aggregators.All.Where(a => !a.IsNumeric).Select(a => a.Name)) + ".");
        DynamicOverlap? dynamic = null;
        if (request?.DynamicOverlap is { } d)
        {
            var min = d.Min ?? 1;
            var max = d.Max ?? Math.Max(min, overlap * 2 + 1);
            var confidence = d.Confidence ?? 0.9;
            validation
                .Require(min is >= 1 and <= MaxAnswersPerTask, "policy.dynamicOverlap.min", $"min is 1 to {MaxAnswersPerTask}.")
                .Require(max >= min && max <= MaxAnswersPerTask, "policy.dynamicOverlap.max", $"max is min to {MaxAnswersPerTask}.")
                .Require(confidence is > 0 and < 1, "policy.dynamicOverlap.confidence", "confidence is between 0 and 1.");
            dynamic = new DynamicOverlap(min, max, confidence);
        }
        validation
            .Require(request?.GoldShare is null or (>= 0 and <= 1), "policy.goldShare", "goldShare is 0 to 1.")
            .Require(request?.Qualification is null or (>= 0 and <= MaxQualification), "policy.qualification",
                $"qualification is 0 to {MaxQualification} gold tasks.")
            .Require(request?.MinQuality is null or (>= 0 and <= 1), "policy.minQuality", "minQuality is 0 to 1.");
        if (!validation.IsValid)
        {
            return null;
        }
        return new VerificationPolicy(overlap, overlap * 2 + 1, aggregator!.Name, dynamic, request?.GoldShare,
            request?.Qualification ?? 0, request?.MinQuality);
    }
}

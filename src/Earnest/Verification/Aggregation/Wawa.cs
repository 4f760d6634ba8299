namespace Earnest.Verification.Aggregation;

/// <summary>
/// Worker Agreement With Aggregate (Wawa, as in crowd-kit): majority vote, then each contributor weighted by its
/// agreement with that vote, then a weighted vote. Confidence is the winner's share of the weight.
/// </summary>
public sealed class Wawa : IAggregator
{
    /// <inheritdoc />
    public string Name => "wawa";

    /// <inheritdoc />
    public string Version => "wawa/1";

    /// <inheritdoc />
    public bool IsNumeric => false;

    /// <inheritdoc />
    public AggregationResult Aggregate(AnswerMatrix matrix, AggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(options);
        var k = matrix.LabelCount;
        if (k == 0 || matrix.TaskCount == 0)
        {
            return Posteriors.Empty(matrix);
        }
        var mv = new MajorityVote().Aggregate(matrix, options);
        var weight = MajorityVote.Agreement(matrix, mv.Answer);
        var post = new double[matrix.TaskCount * k];
        for (var i = 0; i < matrix.AnswerCount; i++)
        {
            post[matrix.Task[i] * k + matrix.Label[i]] += weight[matrix.Worker[i]];
        }
        for (var t = 0; t < matrix.TaskCount; t++)
        {
            var sum = 0.0;
            for (var j = 0; j < k; j++)
            {
                sum += post[t * k + j];
            }
            for (var j = 0; j < k; j++)
            {
                post[t * k + j] = sum > 0 ? post[t * k + j] / sum : 1.0 / k;
            }
        }
        Posteriors.Clamp(post, k, options.Known);
        var (answer, confidence) = Posteriors.Decide(matrix, post, options.Known);
        return new AggregationResult(answer, confidence, null, weight, 2);
    }
}

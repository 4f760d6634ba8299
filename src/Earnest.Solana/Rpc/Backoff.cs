namespace Earnest.Solana.Rpc;

/// <summary>
/// The waits between attempts: exponential from <see cref="SolanaRpcOptions.InitialBackoff"/>, capped at
/// <see cref="SolanaRpcOptions.MaxBackoff"/>, each drawn between half and all of its nominal length; a server's
/// Retry-After is honoured up to the cap.
/// </summary>
internal static class Backoff
{
    /// <summary>The wait after failed attempt number <paramref name="attempt"/> (1 for the first).</summary>
    public static TimeSpan Delay(SolanaRpcOptions options, int attempt, TimeSpan? retryAfter)
    {
        var nominal = options.InitialBackoff * Math.Pow(2, Math.Min(attempt - 1, 30));
        if (nominal > options.MaxBackoff)
        {
            nominal = options.MaxBackoff;
        }
        var jittered = nominal * (0.5 + (Random.Shared.NextDouble() * 0.5));
        if (retryAfter is { } asked && asked > jittered)
        {
            return asked < options.MaxBackoff ? asked : options.MaxBackoff;
        }
        return jittered;
    }
}

namespace Earnest.Solana.Rpc;

/// <summary>How a <see cref="SolanaRpcClient"/> asks: at which commitment, how long it waits, how often it retries.</summary>
public sealed record SolanaRpcOptions
{
    /// <summary>
    /// The commitment of reads and of sendTransaction's preflight, unless a call names another. Finalized by default
    /// (a node's own default): what is read then cannot be rolled back.
    /// </summary>
    public Commitment Commitment { get; init; } = Commitment.Finalized;

    /// <summary>How long one HTTP request may take before it counts as a transport failure (and is retried).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per call, the first included (1 never retries).</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>
    /// The wait before the first retry; each further retry waits twice as long, up to <see cref="MaxBackoff"/>. Each
    /// wait is drawn between half and all of that (jitter), so clients failed together do not retry together.
    /// </summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between attempts, also the most a 429's Retry-After is honoured.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Refuses settings that cannot work, naming the setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RequestTimeout), RequestTimeout, "The request timeout must be positive.");
        }
        if (MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "At least one attempt is needed.");
        }
        if (InitialBackoff < TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBackoff), MaxBackoff,
                $"The backoff must satisfy 0 <= InitialBackoff ({InitialBackoff}) <= MaxBackoff.");
        }
    }
}

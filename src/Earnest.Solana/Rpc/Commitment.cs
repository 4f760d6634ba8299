namespace Earnest.Solana.Rpc;

/// <summary>
/// How settled a state must be for a node to answer from it: <see cref="Processed"/> (the node's newest bank, which a
/// fork may still drop), <see cref="Confirmed"/> (voted on by a supermajority) or <see cref="Finalized"/> (rooted:
/// 31 or more confirmed blocks built on it; it cannot be rolled back).
/// </summary>
public enum Commitment
{
    /// <summary>The node's newest bank; it may still be dropped by a fork.</summary>
    Processed,

    /// <summary>Voted on by a supermajority of the cluster.</summary>
    Confirmed,

    /// <summary>Rooted: the cluster can no longer roll it back.</summary>
    Finalized,
}

/// <summary>The commitment names the JSON-RPC API uses.</summary>
public static class CommitmentNames
{
    /// <summary>"processed", "confirmed" or "finalized".</summary>
    public static string ToRpcName(this Commitment commitment) => commitment switch
    {
        Commitment.Processed => "processed",
        Commitment.Confirmed => "confirmed",
        Commitment.Finalized => "finalized",
        _ => throw new ArgumentOutOfRangeException(nameof(commitment), commitment, "not a commitment level"),
    };

    /// <summary>The commitment of a JSON-RPC name, or null for a name that is not one.</summary>
    public static Commitment? Parse(string? name) => name switch
    {
        "processed" => Commitment.Processed,
        "confirmed" => Commitment.Confirmed,
        "finalized" => Commitment.Finalized,
        _ => null,
    };
}

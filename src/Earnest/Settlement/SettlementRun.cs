namespace Earnest.Settlement;

/// <summary>What a send step did.</summary>
/// <param name="Transactions">Transactions recorded and sent.</param>
/// <param name="Withdrawals">Withdrawals in them.</param>
/// <param name="Rejected">Withdrawals returned without a transaction (their destination cannot hold the tokens).</param>
/// <param name="Refusals">The node's refusals of sends (the transactions stay sent until they expire).</param>
public sealed record WithdrawalsSent(int Transactions, int Withdrawals, int Rejected, IReadOnlyList<string> Refusals)
{
    /// <summary>Nothing was done.</summary>
    public static WithdrawalsSent None { get; } = new(0, 0, 0, []);
}

/// <summary>What a confirm step did.</summary>
/// <param name="Final">Withdrawals made final (their transaction landed and succeeded).</param>
/// <param name="Returned">Withdrawals returned (their transaction landed with an error).</param>
/// <param name="Requeued">Withdrawals back to pending (their transaction expired without landing).</param>
/// <param name="Waiting">Withdrawals whose transaction may still land, or is not yet at the commitment.</param>
public sealed record WithdrawalsConfirmed(int Final, int Returned, int Requeued, int Waiting)
{
    /// <summary>Nothing was done.</summary>
    public static WithdrawalsConfirmed None { get; } = new(0, 0, 0, 0);
}

/// <summary>What a deposit scan did.</summary>
/// <param name="Credited">Deposits credited now.</param>
/// <param name="AlreadyCredited">Deposits seen again (credited before, not again).</param>
/// <param name="Unattributed">Transactions that paid the network's token account without a known reference.</param>
public sealed record DepositsScanned(int Credited, int AlreadyCredited, IReadOnlyList<string> Unattributed)
{
    /// <summary>Nothing was done.</summary>
    public static DepositsScanned None { get; } = new(0, 0, []);
}

/// <summary>What an anchor step did.</summary>
/// <param name="Opened">The height of the block newly due for an anchor, if one was.</param>
/// <param name="Sent">Anchor transactions sent.</param>
/// <param name="Final">Anchors made final.</param>
/// <param name="Requeued">Anchors whose transaction expired without landing, to be sent again.</param>
public sealed record AnchorsProgressed(long? Opened, int Sent, int Final, int Requeued)
{
    /// <summary>Nothing was done.</summary>
    public static AnchorsProgressed None { get; } = new(null, 0, 0, 0);
}

/// <summary>What one run of the settler did, step by step, and the steps that failed (the node unreachable…).</summary>
/// <param name="Confirmed">The confirm step.</param>
/// <param name="Sent">The send step.</param>
/// <param name="Deposits">The deposit scan.</param>
/// <param name="Anchors">The anchor step.</param>
/// <param name="Problems">Each failed step and why; the next run tries it again.</param>
public sealed record SettlementRun(WithdrawalsConfirmed Confirmed, WithdrawalsSent Sent, DepositsScanned Deposits,
    AnchorsProgressed Anchors, IReadOnlyList<string> Problems);

/// <summary>What observing one transaction as a deposit found.</summary>
public enum DepositOutcome
{
    /// <summary>Credited now.</summary>
    Credited,

    /// <summary>Credited before; nothing moved again.</summary>
    AlreadyCredited,

    /// <summary>The transaction did not pay the network's token account for the asset's mint (or failed).</summary>
    NotADeposit,

    /// <summary>It paid the network's token account, but names no deposit reference: it cannot be credited.</summary>
    Unattributed,

    /// <summary>The node does not know the transaction (yet) at the configured commitment.</summary>
    NotFound,

    /// <summary>The ledger refused the credit (the asset's maximum supply); the detail says why.</summary>
    Refused,
}

/// <summary>What observing one transaction found, and what was credited.</summary>
/// <param name="Outcome">What it found.</param>
/// <param name="Owner">The requester credited (or credited before).</param>
/// <param name="Amount">Base units received.</param>
/// <param name="TransferId">The ledger transfer crediting it.</param>
/// <param name="Detail">Why it was refused, when it was.</param>
public sealed record DepositObservation(DepositOutcome Outcome, string? Owner = null, long Amount = 0, string? TransferId = null,
    string? Detail = null);

namespace Earnest.Solana.Rpc;

/// <summary>
/// getLatestBlockhash: the blockhash a new transaction should be signed over, and the last block height at which a
/// transaction signed over it can still land. Once the cluster's block height passes it, such a transaction never
/// will: it can safely be rebuilt over a new blockhash.
/// </summary>
/// <param name="Blockhash">The blockhash.</param>
/// <param name="LastValidBlockHeight">The last block height at which a transaction over it is accepted.</param>
/// <param name="ContextSlot">The slot the node answered at.</param>
public sealed record LatestBlockhash(Blockhash Blockhash, ulong LastValidBlockHeight, ulong ContextSlot)
{
    internal static LatestBlockhash From(RpcNode result) => new(
        result["value"]["blockhash"].Blockhash(),
        result["value"]["lastValidBlockHeight"].UInt64(),
        result["context"]["slot"].UInt64());
}

/// <summary>
/// A signature's status (getSignatureStatuses): the slot it landed in, whether it failed, and how settled it is.
/// </summary>
/// <param name="Slot">The slot the transaction was processed in.</param>
/// <param name="Confirmations">Blocks confirmed on top of it; null once it is rooted (finalized).</param>
/// <param name="Error">Why it failed (it landed, and paid its fee, but changed nothing else); null when it succeeded.</param>
/// <param name="ConfirmationStatus">Processed, confirmed or finalized; null from nodes too old to say.</param>
public sealed record SignatureStatus(ulong Slot, ulong? Confirmations, TransactionError? Error, Commitment? ConfirmationStatus)
{
    /// <summary>It landed and succeeded.</summary>
    public bool Succeeded => Error is null;

    internal static SignatureStatus From(RpcNode status) => new(
        status["slot"].UInt64(),
        status.Optional("confirmations")?.UInt64(),
        status.Optional("err")?.TransactionError(),
        status.Optional("confirmationStatus") is { } name
            ? CommitmentNames.Parse(name.String()) ?? throw RpcNode.Malformed($"{name.Path} is not a commitment: {name.String()}")
            : null);
}

/// <summary>An amount of a token in base units, the mint's decimals, and the amount as decimal text.</summary>
/// <param name="Amount">Base units.</param>
/// <param name="Decimals">The mint's decimals.</param>
/// <param name="UiAmountString">The amount in whole tokens as decimal text, trailing zeros trimmed ("1.5").</param>
public sealed record TokenAmount(ulong Amount, byte Decimals, string UiAmountString)
{
    internal static TokenAmount From(RpcNode amount)
    {
        var decimals = amount["decimals"].Int32();
        return decimals is < 0 or > byte.MaxValue
            ? throw RpcNode.Malformed($"{amount.Path}.decimals is {decimals}")
            : new TokenAmount(amount["amount"].UInt64Text(), (byte)decimals, amount["uiAmountString"].String());
    }
}

/// <summary>An account (getAccountInfo): its lamports, owner program, data and flags.</summary>
/// <param name="Lamports">Its balance in lamports.</param>
/// <param name="Owner">The program that owns it (may change its data and debit it).</param>
/// <param name="Data">Its data.</param>
/// <param name="Executable">Whether it is a program.</param>
/// <param name="RentEpoch">The epoch rent is next due (u64 max for every rent-exempt account on current clusters).</param>
public sealed record AccountInfo(ulong Lamports, PublicKey Owner, ReadOnlyMemory<byte> Data, bool Executable, ulong RentEpoch)
{
    internal static AccountInfo From(RpcNode value)
    {
        var data = value["data"];
        var encoding = data[1].String();
        if (encoding != "base64")
        {
            throw RpcNode.Malformed($"{data.Path} was asked in base64 but is {encoding}");
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(data[0].String());
        }
        catch (FormatException e)
        {
            throw RpcNode.Malformed($"{data.Path}[0] is not base64: {e.Message}");
        }
        return new AccountInfo(value["lamports"].UInt64(), value["owner"].PublicKey(), bytes, value["executable"].Boolean(),
            value["rentEpoch"].UInt64());
    }
}

/// <summary>
/// A transaction that names an address (getSignaturesForAddress), newest first: its signature, slot, error and
/// memos. The memos are those of SPL Memo v1 and v3 instructions, each as <c>[length] text</c>, joined by <c>; </c>.
/// </summary>
/// <param name="Signature">The transaction's signature (its id).</param>
/// <param name="Slot">The slot it landed in.</param>
/// <param name="Error">Why it failed; null when it succeeded.</param>
/// <param name="Memo">Its memos, or null.</param>
/// <param name="BlockTime">The block's Unix time in seconds, when known.</param>
/// <param name="ConfirmationStatus">How settled it is.</param>
public sealed record SignatureInfo(Signature Signature, ulong Slot, TransactionError? Error, string? Memo, long? BlockTime,
    Commitment? ConfirmationStatus)
{
    internal static SignatureInfo From(RpcNode item) => new(
        item["signature"].Signature(),
        item["slot"].UInt64(),
        item.Optional("err")?.TransactionError(),
        item.Optional("memo")?.String(),
        item.Optional("blockTime")?.Int64(),
        item.Optional("confirmationStatus") is { } name ? CommitmentNames.Parse(name.String()) : null);
}

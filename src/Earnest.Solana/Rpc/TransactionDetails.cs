using System.Text;

namespace Earnest.Solana.Rpc;

/// <summary>
/// A landed transaction (getTransaction, json encoding): its message as compiled — the account keys, and each
/// instruction as indices into them and its data — and what executing it did (<see cref="TransactionMeta"/>).
/// </summary>
/// <param name="Slot">The slot it landed in.</param>
/// <param name="BlockTime">The block's Unix time in seconds, when known.</param>
/// <param name="Version">"legacy" or "0".</param>
/// <param name="Signatures">Its signatures; the first is its id.</param>
/// <param name="AccountKeys">The accounts the message names, in order (accounts from lookup tables follow, in the meta).</param>
/// <param name="RecentBlockhash">The blockhash it was signed over.</param>
/// <param name="Instructions">Its instructions.</param>
/// <param name="Meta">What executing it did.</param>
public sealed record TransactionDetails(
    ulong Slot,
    long? BlockTime,
    string Version,
    IReadOnlyList<Signature> Signatures,
    IReadOnlyList<PublicKey> AccountKeys,
    Blockhash RecentBlockhash,
    IReadOnlyList<InstructionView> Instructions,
    TransactionMeta Meta)
{
    /// <summary>Every account key in index order: the named ones, then those loaded from lookup tables (writable, read-only).</summary>
    public IReadOnlyList<PublicKey> AllAccountKeys =>
        [.. AccountKeys, .. Meta.LoadedWritableAddresses, .. Meta.LoadedReadonlyAddresses];

    /// <summary>The program an instruction calls.</summary>
    public PublicKey ProgramOf(InstructionView instruction)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        return AllAccountKeys[instruction.ProgramIdIndex];
    }

    /// <summary>The texts of the instructions calling <paramref name="memoProgram"/> (UTF-8 decoded).</summary>
    public IReadOnlyList<string> MemosOf(PublicKey memoProgram) =>
        [.. Instructions.Where(i => ProgramOf(i) == memoProgram).Select(i => Encoding.UTF8.GetString(i.Data.Span))];

    internal static TransactionDetails From(RpcNode result)
    {
        var transaction = result["transaction"];
        var message = transaction["message"];
        var meta = TransactionMeta.From(result["meta"]);
        var version = result.Optional("version") is { } v
            ? v.Element.ValueKind == System.Text.Json.JsonValueKind.Number ? v.Int32().ToString(System.Globalization.CultureInfo.InvariantCulture) : v.String()
            : "legacy";
        return new TransactionDetails(
            result["slot"].UInt64(),
            result.Optional("blockTime")?.Int64(),
            version,
            [.. transaction["signatures"].Items().Select(s => s.Signature())],
            [.. message["accountKeys"].Items().Select(k => k.PublicKey())],
            message["recentBlockhash"].Blockhash(),
            [.. message["instructions"].Items().Select(InstructionView.From)],
            meta);
    }
}

/// <summary>What executing a transaction did (a transaction's <c>meta</c>).</summary>
/// <param name="Error">Why it failed; null when it succeeded. A failed transaction still paid its fee.</param>
/// <param name="Fee">The fee it paid, in lamports.</param>
/// <param name="PreBalances">Each account's lamports before, in account-key order.</param>
/// <param name="PostBalances">Each account's lamports after.</param>
/// <param name="PreTokenBalances">The token accounts' balances before.</param>
/// <param name="PostTokenBalances">The token accounts' balances after.</param>
/// <param name="LogMessages">The programs' logs.</param>
/// <param name="InnerInstructions">The instructions programs invoked (cross-program invocations), per top-level instruction.</param>
/// <param name="LoadedWritableAddresses">Writable accounts loaded from lookup tables.</param>
/// <param name="LoadedReadonlyAddresses">Read-only accounts loaded from lookup tables.</param>
/// <param name="ComputeUnitsConsumed">The compute units it used, when the node says.</param>
public sealed record TransactionMeta(
    TransactionError? Error,
    ulong Fee,
    IReadOnlyList<ulong> PreBalances,
    IReadOnlyList<ulong> PostBalances,
    IReadOnlyList<TokenBalance> PreTokenBalances,
    IReadOnlyList<TokenBalance> PostTokenBalances,
    IReadOnlyList<string> LogMessages,
    IReadOnlyList<InnerInstructions> InnerInstructions,
    IReadOnlyList<PublicKey> LoadedWritableAddresses,
    IReadOnlyList<PublicKey> LoadedReadonlyAddresses,
    ulong? ComputeUnitsConsumed)
{
    internal static TransactionMeta From(RpcNode meta)
    {
        var loaded = meta.Optional("loadedAddresses");
        return new TransactionMeta(
            meta.Optional("err")?.TransactionError(),
            meta["fee"].UInt64(),
            [.. meta["preBalances"].Items().Select(b => b.UInt64())],
            [.. meta["postBalances"].Items().Select(b => b.UInt64())],
            [.. (meta.Optional("preTokenBalances")?.Items() ?? []).Select(TokenBalance.From)],
            [.. (meta.Optional("postTokenBalances")?.Items() ?? []).Select(TokenBalance.From)],
            [.. (meta.Optional("logMessages")?.Items() ?? []).Select(l => l.String())],
            [.. (meta.Optional("innerInstructions")?.Items() ?? []).Select(Rpc.InnerInstructions.From)],
            [.. (loaded?.Optional("writable")?.Items() ?? []).Select(a => a.PublicKey())],
            [.. (loaded?.Optional("readonly")?.Items() ?? []).Select(a => a.PublicKey())],
            meta.Optional("computeUnitsConsumed")?.UInt64());
    }
}

/// <summary>A compiled instruction: the program's index among the account keys, its accounts' indices, its data.</summary>
/// <param name="ProgramIdIndex">The program's index among the account keys.</param>
/// <param name="Accounts">The indices of its accounts.</param>
/// <param name="Data">Its data (sent as base58).</param>
public sealed record InstructionView(int ProgramIdIndex, IReadOnlyList<int> Accounts, ReadOnlyMemory<byte> Data)
{
    internal static InstructionView From(RpcNode instruction) => new(
        instruction["programIdIndex"].Int32(),
        [.. instruction["accounts"].Items().Select(a => a.Int32())],
        instruction["data"].Base58Data());
}

/// <summary>The instructions a top-level instruction invoked.</summary>
/// <param name="Index">The top-level instruction's index.</param>
/// <param name="Instructions">What it invoked, in order.</param>
public sealed record InnerInstructions(int Index, IReadOnlyList<InstructionView> Instructions)
{
    internal static InnerInstructions From(RpcNode inner) => new(
        inner["index"].Int32(),
        [.. inner["instructions"].Items().Select(InstructionView.From)]);
}

/// <summary>A token account's balance in a transaction's meta.</summary>
/// <param name="AccountIndex">The token account's index among the account keys.</param>
/// <param name="Mint">Its mint.</param>
/// <param name="Owner">Its owner, when the node says.</param>
/// <param name="Amount">Its balance.</param>
public sealed record TokenBalance(int AccountIndex, PublicKey Mint, PublicKey? Owner, TokenAmount Amount)
{
    internal static TokenBalance From(RpcNode balance) => new(
        balance["accountIndex"].Int32(),
        balance["mint"].PublicKey(),
        balance.Optional("owner")?.PublicKey(),
        TokenAmount.From(balance["uiTokenAmount"]));
}

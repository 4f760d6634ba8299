using System.Text;
using Earnest.Solana;
using Earnest.Solana.Programs;
using Earnest.Solana.Rpc;
using Xunit;

namespace Earnest.Tests.Solana;

/// <summary>
/// Transactions built and signed by Earnest.Solana, sent through <see cref="SolanaRpcClient"/> to the real Solana
/// runtime (LiteSVM with the real SPL programs, <see cref="LiteSvmFixture"/>): what lands, what it costs, how failures
/// surface, and the mechanism a settler relies on — a dropped transaction is rebuilt once its blockhash has expired,
/// and lands exactly once.
/// </summary>
public sealed class LiteSvmRpcTests(LiteSvmFixture chain) : IClassFixture<LiteSvmFixture>
{
    private const ulong LamportsPerSignature = 5000;
    private const int TokenAccountSize = 165;

    private SolanaRpcClient Rpc => chain.Client;

    [Fact]
    public async Task a_payout_batch_creates_three_token_accounts_and_moves_exactly_the_amounts_it_names()
    {
        if (!chain.Available)
        {
            return;
        }
        var treasury = await chain.TreasuryAsync(Key(1), 10_000_000);
        var recipients = new[] { Key(11), Key(12), Key(13) };
        ulong[] amounts = [1_250_000, 2_500_000, 3_000_001];
        var rent = await Rpc.GetMinimumBalanceForRentExemptionAsync(TokenAccountSize);
        var payerBefore = await Rpc.GetBalanceAsync(treasury.Owner.PublicKey);

        var transaction = await BuildAsync(treasury.Owner, recipients.Zip(amounts).SelectMany(p =>
            Payout(treasury, p.First.PublicKey, p.Second, createAccount: true)));
        var signature = await Rpc.SendTransactionAsync(transaction);
        Assert.Equal(transaction.Id, signature);

        var status = await StatusAsync(signature);
        Assert.NotNull(status);
        Assert.True(status.Succeeded, $"the payout failed: {status.Error}");
        Assert.Equal(Commitment.Finalized, status.ConfirmationStatus);
        for (var i = 0; i < recipients.Length; i++)
        {
            var account = Ata(recipients[i].PublicKey, treasury.Mint);
            var balance = await Rpc.GetTokenAccountBalanceAsync(account);
            Assert.Equal(amounts[i], balance.Amount);
            Assert.Equal(6, balance.Decimals);
            var info = await Rpc.GetAccountInfoAsync(account);
            Assert.NotNull(info);
            Assert.Equal(TokenProgram.Id, info.Owner);
            Assert.Equal(TokenAccountSize, info.Data.Length);
            Assert.Equal(rent, info.Lamports); // the account holds exactly its rent-exempt minimum
        }
        Assert.Equal(10_000_000 - amounts.Aggregate((a, b) => a + b),
            (await Rpc.GetTokenAccountBalanceAsync(treasury.Source)).Amount);

        var details = await Rpc.GetTransactionAsync(signature);
        Assert.NotNull(details);
        Assert.Null(details.Meta.Error);
        Assert.Equal(LamportsPerSignature * (ulong)transaction.Signatures.Count, details.Meta.Fee);
        // The fee payer paid the fee and each new account's rent, and nothing else.
        Assert.Equal(details.Meta.Fee + (3 * rent), payerBefore - await Rpc.GetBalanceAsync(treasury.Owner.PublicKey));
        var sourceIndex = IndexOf(details, treasury.Source);
        Assert.Equal(10_000_000UL, details.Meta.PreTokenBalances.Single(b => b.AccountIndex == sourceIndex).Amount.Amount);
        Assert.Equal(3_249_999UL, details.Meta.PostTokenBalances.Single(b => b.AccountIndex == sourceIndex).Amount.Amount);
    }

    [Fact]
    public async Task create_idempotent_for_an_account_that_exists_succeeds_and_changes_nothing()
    {
        if (!chain.Available)
        {
            return;
        }
        var treasury = await chain.TreasuryAsync(Key(2), 1_000_000);
        var recipient = Key(21).PublicKey;
        var account = Ata(recipient, treasury.Mint);
        var first = await BuildAsync(treasury.Owner, Payout(treasury, recipient, 400_000, createAccount: true));
        Assert.True((await StatusAsync(await Rpc.SendTransactionAsync(first)))!.Succeeded);
        var lamportsBefore = (await Rpc.GetAccountInfoAsync(account))!.Lamports;
        var payerBefore = await Rpc.GetBalanceAsync(treasury.Owner.PublicKey);

        var again = await BuildAsync(treasury.Owner, [AssociatedTokenProgram.CreateIdempotent(treasury.Owner.PublicKey, recipient, treasury.Mint)]);
        var signature = await Rpc.SendTransactionAsync(again);

        Assert.NotEqual(first.Id, signature);
        var status = await StatusAsync(signature);
        Assert.NotNull(status);
        Assert.True(status.Succeeded, $"CreateIdempotent on an existing account failed: {status.Error}");
        Assert.Equal(400_000UL, (await Rpc.GetTokenAccountBalanceAsync(account)).Amount);
        Assert.Equal(lamportsBefore, (await Rpc.GetAccountInfoAsync(account))!.Lamports);
        Assert.Equal(LamportsPerSignature, payerBefore - await Rpc.GetBalanceAsync(treasury.Owner.PublicKey)); // the fee, no rent
    }

    [Fact]
    public async Task an_overdraft_is_refused_naming_the_token_programs_insufficient_funds_and_moves_nothing()
    {
        if (!chain.Available)
        {
            return;
        }
        var treasury = await chain.TreasuryAsync(Key(3), 100);
        var recipient = Key(31).PublicKey;
        var payerBefore = await Rpc.GetBalanceAsync(treasury.Owner.PublicKey);
        var transaction = await BuildAsync(treasury.Owner, Payout(treasury, recipient, 101, createAccount: true));

        var refusal = await Assert.ThrowsAsync<SolanaRpcException>(() => Rpc.SendTransactionAsync(transaction));

        Assert.Equal(SolanaRpcException.SendTransactionPreflightFailure, refusal.Code);
        Assert.NotNull(refusal.TransactionError);
        Assert.Equal(TransactionError.InstructionErrorKind, refusal.TransactionError.Kind);
        Assert.Equal(1, refusal.TransactionError.InstructionIndex); // the transfer; the account creation before it was fine
        Assert.Equal(1u, refusal.TransactionError.CustomCode); // SPL Token's InsufficientFunds
        Assert.Contains("Program log: Error: insufficient funds", refusal.Logs);
        Assert.Contains("insufficient funds", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("sendTransaction", refusal.Message, StringComparison.Ordinal);

        Assert.Null(await StatusAsync(transaction.Id!));
        Assert.Equal(100UL, (await Rpc.GetTokenAccountBalanceAsync(treasury.Source)).Amount);
        Assert.Null(await Rpc.GetAccountInfoAsync(Ata(recipient, treasury.Mint))); // nothing of it ran, not even the creation
        Assert.Equal(payerBefore, await Rpc.GetBalanceAsync(treasury.Owner.PublicKey)); // a refused preflight costs nothing
    }

    [Fact]
    public async Task a_failing_transaction_sent_without_preflight_lands_pays_its_fee_and_moves_nothing()
    {
        if (!chain.Available)
        {
            return;
        }
        var treasury = await chain.TreasuryAsync(Key(4), 100);
        var recipient = Key(41).PublicKey;
        var payerBefore = await Rpc.GetBalanceAsync(treasury.Owner.PublicKey);
        var transaction = await BuildAsync(treasury.Owner, Payout(treasury, recipient, 101, createAccount: true));

        var signature = await Rpc.SendTransactionAsync(transaction, skipPreflight: true);

        var status = await StatusAsync(signature);
        Assert.NotNull(status);
        Assert.False(status.Succeeded);
        Assert.Equal(1, status.Error!.InstructionIndex);
        Assert.Equal(1u, status.Error.CustomCode);
        var details = await Rpc.GetTransactionAsync(signature);
        Assert.Equal(status.Error.Json, details!.Meta.Error!.Json);
        Assert.Contains("Program log: Error: insufficient funds", details.Meta.LogMessages);
        Assert.Equal(LamportsPerSignature, details.Meta.Fee);
        Assert.Equal(LamportsPerSignature, payerBefore - await Rpc.GetBalanceAsync(treasury.Owner.PublicKey));
        Assert.Equal(100UL, (await Rpc.GetTokenAccountBalanceAsync(treasury.Source)).Amount);
        Assert.Null(await Rpc.GetAccountInfoAsync(Ata(recipient, treasury.Mint)));
    }

    [Fact]
    public async Task a_dropped_transaction_has_no_status_expires_with_its_blockhash_and_a_rebuilt_one_lands_exactly_once()
    {
        if (!chain.Available)
        {
            return;
        }
        var treasury = await chain.TreasuryAsync(Key(5), 1_000_000);
        var recipient = Key(51).PublicKey;
        var account = Ata(recipient, treasury.Mint);
        var instructions = Payout(treasury, recipient, 250_000, createAccount: true).ToList();
        var first = await Rpc.GetLatestBlockhashAsync();
        var dropped = Sign(treasury.Owner, first.Blockhash, instructions);

        await chain.DropNextAsync(1);
        var droppedSignature = await Rpc.SendTransactionAsync(dropped);
        Assert.Equal(dropped.Id, droppedSignature);
        Assert.Null(await StatusAsync(droppedSignature));
        Assert.Null(await Rpc.GetTransactionAsync(droppedSignature));
        Assert.Null(await Rpc.GetAccountInfoAsync(account));
        Assert.True(await Rpc.IsBlockhashValidAsync(first.Blockhash)); // it could still land: a settler must not rebuild yet

        await chain.ExpireBlockhashAsync();
        Assert.True(await Rpc.GetBlockHeightAsync() > first.LastValidBlockHeight);
        Assert.False(await Rpc.IsBlockhashValidAsync(first.Blockhash));
        var expired = await Assert.ThrowsAsync<SolanaRpcException>(() => Rpc.SendTransactionAsync(dropped.Serialize()));
        Assert.True(expired.IsBlockhashNotFound, $"expected BlockhashNotFound, got {expired.Message}");
        Assert.Null(await StatusAsync(droppedSignature));

        var fresh = await Rpc.GetLatestBlockhashAsync();
        Assert.NotEqual(first.Blockhash, fresh.Blockhash);
        var rebuilt = Sign(treasury.Owner, fresh.Blockhash, instructions);
        Assert.NotEqual(dropped.Id, rebuilt.Id);
        var signature = await Rpc.SendTransactionAsync(rebuilt);
        Assert.True((await StatusAsync(signature))!.Succeeded);
        // A rebroadcast of the landed bytes answers the same signature and does nothing more.
        Assert.Equal(signature, await Rpc.SendTransactionAsync(rebuilt));

        Assert.Equal(250_000UL, (await Rpc.GetTokenAccountBalanceAsync(account)).Amount);
        Assert.Equal(750_000UL, (await Rpc.GetTokenAccountBalanceAsync(treasury.Source)).Amount);
        var statuses = await Rpc.GetSignatureStatusesAsync([droppedSignature, signature]);
        Assert.Null(statuses[0]);
        Assert.NotNull(statuses[1]);
        var history = await Rpc.GetSignaturesForAddressAsync(account);
        Assert.Equal([signature], history.Select(h => h.Signature));
    }

    [Fact]
    public async Task a_blockhash_is_valid_through_its_last_valid_block_height_and_not_after()
    {
        if (!chain.Available)
        {
            return;
        }
        var treasury = await chain.TreasuryAsync(Key(7), 1_000);
        var latest = await Rpc.GetLatestBlockhashAsync();
        Assert.True(await Rpc.GetBlockHeightAsync() < latest.LastValidBlockHeight);

        await chain.WarpAsync(latest.LastValidBlockHeight);
        Assert.Equal(latest.LastValidBlockHeight, await Rpc.GetBlockHeightAsync());
        Assert.True(await Rpc.IsBlockhashValidAsync(latest.Blockhash));
        var last = Sign(treasury.Owner, latest.Blockhash, Payout(treasury, Key(71).PublicKey, 1, createAccount: true));
        Assert.True((await StatusAsync(await Rpc.SendTransactionAsync(last)))!.Succeeded);

        await chain.WarpAsync(latest.LastValidBlockHeight + 1);
        Assert.False(await Rpc.IsBlockhashValidAsync(latest.Blockhash));
        var late = Sign(treasury.Owner, latest.Blockhash, Payout(treasury, Key(71).PublicKey, 2, createAccount: false));
        Assert.True((await Assert.ThrowsAsync<SolanaRpcException>(() => Rpc.SendTransactionAsync(late))).IsBlockhashNotFound);
        Assert.NotEqual(latest.Blockhash, (await Rpc.GetLatestBlockhashAsync()).Blockhash);
        Assert.Equal(1UL, (await Rpc.GetTokenAccountBalanceAsync(Ata(Key(71).PublicKey, treasury.Mint))).Amount);
    }

    [Fact]
    public async Task a_memo_and_a_reference_key_find_the_transaction_that_carries_them()
    {
        if (!chain.Available)
        {
            return;
        }
        var treasury = await chain.TreasuryAsync(Key(6), 1_000_000);
        var recipient = Key(61).PublicKey;
        using var referenceKey = Keypair.Generate();
        var reference = referenceKey.PublicKey;
        var text = "earnest anchor 7f3a… block 42 — ü";
        var payout = Payout(treasury, recipient, 10_000, createAccount: true).ToList();
        // A reference: a read-only account appended to the transfer, which the token program ignores and every
        // node indexes, so the payee can find the transaction by it.
        var transfer = payout[1];
        payout[1] = new Instruction(transfer.ProgramId, [.. transfer.Accounts, AccountMeta.Readonly(reference)], transfer.Data.Span);
        var transaction = await BuildAsync(treasury.Owner, [.. payout, MemoProgram.Memo(text)]);
        var signature = await Rpc.SendTransactionAsync(transaction);
        Assert.True((await StatusAsync(signature))!.Succeeded);

        var found = await Rpc.GetSignaturesForAddressAsync(reference);
        var entry = Assert.Single(found);
        Assert.Equal(signature, entry.Signature);
        Assert.Null(entry.Error);
        Assert.Equal($"[{Encoding.UTF8.GetByteCount(text)}] {text}", entry.Memo);

        var details = await Rpc.GetTransactionAsync(signature);
        Assert.NotNull(details);
        Assert.Equal([text], details.MemosOf(MemoProgram.Id));
        Assert.Contains(details.Meta.LogMessages, line => line.Contains(text, StringComparison.Ordinal));
        Assert.Contains(reference, details.AccountKeys);
        Assert.Equal(10_000UL, (await Rpc.GetTokenAccountBalanceAsync(Ata(recipient, treasury.Mint))).Amount);
    }

    [Fact]
    public async Task an_unknown_signature_has_no_status_and_no_transaction()
    {
        if (!chain.Available)
        {
            return;
        }
        using var stranger = Keypair.Generate();
        var signature = stranger.Sign("never sent"u8);
        Assert.Equal([null], await Rpc.GetSignatureStatusesAsync([signature]));
        Assert.Null(await Rpc.GetTransactionAsync(signature));
        Assert.Empty(await Rpc.GetSignaturesForAddressAsync(stranger.PublicKey));
        Assert.Equal(0UL, await Rpc.GetBalanceAsync(stranger.PublicKey));
        Assert.Null(await Rpc.GetAccountInfoAsync(stranger.PublicKey));
        var notTokens = await Assert.ThrowsAsync<SolanaRpcException>(() => Rpc.GetTokenAccountBalanceAsync(stranger.PublicKey));
        Assert.Equal(SolanaRpcException.InvalidParams, notTokens.Code);
    }

    internal static Keypair Key(byte n) => Keypair.FromSeed(Enumerable.Repeat(n, 32).ToArray());

    internal static PublicKey Ata(PublicKey owner, PublicKey mint) => AssociatedTokenProgram.Address(owner, mint);

    /// <summary>A payout to <paramref name="recipient"/>'s associated account, created first when asked.</summary>
    internal static IEnumerable<Instruction> Payout(Treasury treasury, PublicKey recipient, ulong amount, bool createAccount)
    {
        if (createAccount)
        {
            yield return AssociatedTokenProgram.CreateIdempotent(treasury.Owner.PublicKey, recipient, treasury.Mint);
        }
        yield return TokenProgram.TransferChecked(treasury.Source, treasury.Mint, Ata(recipient, treasury.Mint),
            treasury.Owner.PublicKey, amount, treasury.Decimals);
    }

    internal static Transaction Sign(Keypair payer, Blockhash blockhash, IEnumerable<Instruction> instructions) =>
        new Transaction(Message.Compile(MessageVersion.V0, payer.PublicKey, blockhash, instructions)).Sign(payer);

    private async Task<Transaction> BuildAsync(Keypair payer, IEnumerable<Instruction> instructions) =>
        Sign(payer, (await Rpc.GetLatestBlockhashAsync()).Blockhash, instructions);

    private async Task<SignatureStatus?> StatusAsync(Signature signature) =>
        (await Rpc.GetSignatureStatusesAsync([signature]))[0];

    private static int IndexOf(TransactionDetails details, PublicKey account) =>
        details.AccountKeys.ToList().IndexOf(account);
}

using Dapper;
using Earnest.Ledger;
using Earnest.Settlement;
using Earnest.Solana;
using Earnest.Solana.Programs;
using Earnest.Solana.Rpc;
using Earnest.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Earnest.Tests.Solana;

/// <summary>
/// Settlement on Solana end to end against the real runtime (LiteSVM with the real SPL Token, Associated Token Account
/// and Memo programs, <see cref="LiteSvmFixture"/>): withdrawals batched, sent, confirmed and compared token for token
/// with the ledger; a dropped transaction sent again only once it can no longer land; a failed one returned; deposits
/// credited once however often they are seen; anchors read back from the chain by the audit. Each test drives the
/// settler's steps one at a time and ends with the audit.
/// </summary>
public sealed class SettlementTests(LiteSvmFixture chain) : IClassFixture<LiteSvmFixture>
{
    private const string Earn = "EARN";

    [Fact]
    public async Task withdrawals_of_25_contributors_settle_in_batches_and_the_chain_holds_exactly_what_the_ledger_records()
    {
        if (!chain.Available)
        {
            return;
        }
        await using var s = await SettledNode.StartAsync(chain);
        var hotBefore = await s.HotTokensAsync();
        var contributors = Enumerable.Range(0, 25).Select(_ => NewWallet()).ToList();
        long Earned(int i) => 10_000_000 + i;
        long First(int i) => 1_000_000 + (i * 1_001);
        long Second(int i) => 2_000_000 + i;
        for (var i = 0; i < contributors.Count; i++)
        {
            (await s.Node.Funds.FaucetAsync(contributors[i], Earned(i), null)).AssertOk();
            var view = (await s.Node.Withdrawals.RequestAsync(contributors[i],
                new WithdrawalRequest(Earn, First(i), contributors[i], $"first-{i}"))).AssertOk();
            Assert.Equal((WithdrawalStatus.Pending, "posted", $"withdraw:first-{i}"), (view.Status, view.Result, view.TransferId));
            Assert.Equal(Earned(i) - First(i), s.Node.Funds.Balance(contributors[i], Earn)); // it left the balance at once
        }
        var retry = (await s.Node.Withdrawals.RequestAsync(contributors[0],
            new WithdrawalRequest(Earn, First(0), contributors[0], "first-0"))).AssertOk();
        Assert.Equal(PaymentView.Exists, retry.Result);
        Assert.Equal(Earned(0) - First(0), s.Node.Funds.Balance(contributors[0], Earn));
        var owed = Enumerable.Range(0, 25).Sum(First);
        Assert.Equal(owed, s.Node.Funds.Balance(SystemAccounts.Settlement(Earn), Earn));

        // Every recipient's token account is missing: ten account creations and transfers fill a packet.
        var sent = await s.Settler.SendWithdrawalsAsync();
        Assert.Equal((3, 25, 0), (sent.Transactions, sent.Withdrawals, sent.Rejected));
        Assert.Empty(sent.Refusals);
        var rows = Enumerable.Range(0, 25).Select(i => s.Row($"first-{i}")).ToList();
        Assert.All(rows, r => Assert.Equal((WithdrawalStatus.Sent, 1L), (r.Status, r.Attempts)));
        Assert.Equal([10, 10, 5], rows.GroupBy(r => r.Signature).Select(g => g.Count()).OrderDescending());
        Assert.Equal(owed, s.Node.Funds.Balance(SystemAccounts.Settlement(Earn), Earn)); // not final yet

        var confirmed = await s.Settler.ConfirmWithdrawalsAsync();
        Assert.Equal(new WithdrawalsConfirmed(25, 0, 0, 0), confirmed);
        for (var i = 0; i < contributors.Count; i++)
        {
            Assert.Equal((ulong)First(i), await s.TokensOfAsync(PublicKey.Parse(contributors[i])));
            var view = s.Node.Withdrawals.Get(contributors[i], $"first-{i}").AssertOk();
            Assert.Equal(WithdrawalStatus.Final, view.Status);
            Assert.Equal(rows[i].Signature, view.Signature);
        }
        Assert.Equal(hotBefore - (ulong)owed, await s.HotTokensAsync());
        Assert.Equal(0, s.Node.Funds.Balance(SystemAccounts.Settlement(Earn), Earn));
        var minted = Enumerable.Range(0, 25).Sum(Earned);
        Assert.Equal(minted - owed, s.Node.Issuance.List().Single(a => a.Symbol == Earn).Supply); // the ledger's supply shrank

        // The accounts exist now: twenty transfers fill a packet.
        for (var i = 0; i < contributors.Count; i++)
        {
            (await s.Node.Withdrawals.RequestAsync(contributors[i],
                new WithdrawalRequest(Earn, Second(i), contributors[i], $"second-{i}"))).AssertOk();
        }
        sent = await s.Settler.SendWithdrawalsAsync();
        Assert.Equal((2, 25), (sent.Transactions, sent.Withdrawals));
        Assert.Equal(25, (await s.Settler.ConfirmWithdrawalsAsync()).Final);
        for (var i = 0; i < contributors.Count; i++)
        {
            Assert.Equal((ulong)(First(i) + Second(i)), await s.TokensOfAsync(PublicKey.Parse(contributors[i])));
            Assert.Equal(Earned(i) - First(i) - Second(i), s.Node.Funds.Balance(contributors[i], Earn));
        }
        owed += Enumerable.Range(0, 25).Sum(Second);
        Assert.Equal(hotBefore - (ulong)owed, await s.HotTokensAsync());
        Assert.Equal(0, (await s.Settler.SendWithdrawalsAsync()).Transactions);
        Assert.Equal(WithdrawalsConfirmed.None, await s.Settler.ConfirmWithdrawalsAsync());

        var audit = await s.Test.AuditAsync(chain.Client);
        Assert.True(audit.Passed, audit.Failure);
        Assert.Contains(audit.Summary, l => l.StartsWith("50 withdrawals (50 final, 0 returned, 0 open)", StringComparison.Ordinal));
        Assert.Contains(audit.Summary, l => l.EndsWith("50 final withdrawals found paid on chain by 5 transactions, each its amount to its destination", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_dropped_transaction_is_sent_again_only_after_its_blockhash_expires_and_pays_once()
    {
        if (!chain.Available)
        {
            return;
        }
        await using var s = await SettledNode.StartAsync(chain);
        var owner = await FundedAsync(s, 5_000_000);
        var hotBefore = await s.HotTokensAsync();
        (await s.Node.Withdrawals.RequestAsync(owner, new WithdrawalRequest(Earn, 1_234_567, owner, "drop-1"))).AssertOk();

        await chain.DropNextAsync(1);
        Assert.Equal(1, (await s.Settler.SendWithdrawalsAsync()).Transactions);
        var dropped = s.Row("drop-1");
        Assert.Equal((WithdrawalStatus.Sent, 1L), (dropped.Status, dropped.Attempts));
        Assert.NotNull(dropped.Signature);
        Assert.NotNull(dropped.LastValidHeight);

        // No status, but its blockhash is still valid: it could land, so nothing is rebuilt.
        Assert.Equal(new WithdrawalsConfirmed(0, 0, 0, 1), await s.Settler.ConfirmWithdrawalsAsync());
        Assert.Equal(0, (await s.Settler.SendWithdrawalsAsync()).Transactions);
        Assert.Equal(dropped.Signature, s.Row("drop-1").Signature);
        Assert.Null(await s.TokensOfAsync(PublicKey.Parse(owner)));

        await chain.ExpireBlockhashAsync();
        Assert.True(await chain.Client.GetBlockHeightAsync() > (ulong)dropped.LastValidHeight!.Value);
        Assert.Equal(new WithdrawalsConfirmed(0, 0, 1, 0), await s.Settler.ConfirmWithdrawalsAsync());
        var requeued = s.Row("drop-1");
        Assert.Equal((WithdrawalStatus.Pending, null, 1L), (requeued.Status, requeued.Signature, requeued.Attempts));
        Assert.Contains(dropped.Signature!, requeued.LastError, StringComparison.Ordinal);

        Assert.Equal(1, (await s.Settler.SendWithdrawalsAsync()).Transactions);
        var rebuilt = s.Row("drop-1");
        Assert.NotEqual(dropped.Signature, rebuilt.Signature);
        Assert.Equal(2L, rebuilt.Attempts);
        Assert.Equal(1, (await s.Settler.ConfirmWithdrawalsAsync()).Final);

        Assert.Equal(1_234_567UL, await s.TokensOfAsync(PublicKey.Parse(owner)));
        Assert.Equal(hotBefore - 1_234_567, await s.HotTokensAsync());
        var statuses = await chain.Client.GetSignatureStatusesAsync(
            [Signature.Parse(dropped.Signature!), Signature.Parse(rebuilt.Signature!)], true);
        Assert.Null(statuses[0]);
        Assert.True(statuses[1]!.Succeeded);
        Assert.Equal(5_000_000 - 1_234_567, s.Node.Funds.Balance(owner, Earn));
        var audit = await s.Test.AuditAsync(chain.Client);
        Assert.True(audit.Passed, audit.Failure);
    }

    [Fact]
    public async Task a_transaction_that_lands_with_an_error_returns_its_withdrawals_to_their_owners()
    {
        if (!chain.Available)
        {
            return;
        }
        // Sent without the node's simulation, a transfer above the hot wallet's tokens lands, fails and pays its fee.
        await using var s = await SettledNode.StartAsync(chain, hotTokens: 1_000, configure: o => o.SkipPreflight = true);
        var owners = new[] { await FundedAsync(s, 9_000), await FundedAsync(s, 9_000) };
        (await s.Node.Withdrawals.RequestAsync(owners[0], new WithdrawalRequest(Earn, 600, owners[0], "fail-0"))).AssertOk();
        (await s.Node.Withdrawals.RequestAsync(owners[1], new WithdrawalRequest(Earn, 700, owners[1], "fail-1"))).AssertOk();
        var lamportsBefore = await chain.Client.GetBalanceAsync(s.HotWallet);

        var sent = await s.Settler.SendWithdrawalsAsync();
        Assert.Equal((1, 2), (sent.Transactions, sent.Withdrawals));
        var signature = s.Row("fail-0").Signature!;
        var status = (await chain.Client.GetSignatureStatusesAsync([Signature.Parse(signature)]))[0];
        Assert.NotNull(status);
        Assert.Equal(1u, status.Error!.CustomCode); // SPL Token's insufficient funds

        Assert.Equal(new WithdrawalsConfirmed(0, 2, 0, 0), await s.Settler.ConfirmWithdrawalsAsync());
        foreach (var (owner, id) in owners.Zip(new[] { "fail-0", "fail-1" }))
        {
            var view = s.Node.Withdrawals.Get(owner, id).AssertOk();
            Assert.Equal((WithdrawalStatus.Returned, $"return:{id}"), (view.Status, view.ReturnTransferId));
            Assert.Contains("landed with an error", view.LastError, StringComparison.Ordinal);
            Assert.Equal(9_000, s.Node.Funds.Balance(owner, Earn));
            var back = s.Node.Funds.Find(owner, $"return:{id}").AssertOk();
            Assert.Equal((SystemAccounts.Settlement(Earn), owner, TransferKinds.Return), (back.Debit, back.Credit, back.Kind));
            Assert.Null(back.Receipt.Verify(s.Node.Key.Signer, requireProof: true));
            Assert.Null(await s.TokensOfAsync(PublicKey.Parse(owner))); // the account creation failed with the transfer
        }
        Assert.Equal(0, s.Node.Funds.Balance(SystemAccounts.Settlement(Earn), Earn));
        Assert.Equal(1_000UL, await s.HotTokensAsync());
        Assert.Equal(5_000UL, lamportsBefore - await chain.Client.GetBalanceAsync(s.HotWallet)); // only the fee
        Assert.Equal(0, (await s.Settler.SendWithdrawalsAsync()).Transactions); // returned, never sent again
        var audit = await s.Test.AuditAsync(chain.Client);
        Assert.True(audit.Passed, audit.Failure);
        Assert.Contains(audit.Summary, l => l.StartsWith("2 withdrawals (0 final, 2 returned, 0 open)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_transaction_the_node_refuses_costs_nothing_and_is_built_again_once_its_blockhash_expires()
    {
        if (!chain.Available)
        {
            return;
        }
        await using var s = await SettledNode.StartAsync(chain, hotTokens: 1_000);
        var owner = await FundedAsync(s, 9_000);
        (await s.Node.Withdrawals.RequestAsync(owner, new WithdrawalRequest(Earn, 5_000, owner, "short-1"))).AssertOk();
        var lamportsBefore = await chain.Client.GetBalanceAsync(s.HotWallet);

        var sent = await s.Settler.SendWithdrawalsAsync();
        Assert.Equal(1, sent.Transactions);
        Assert.Contains("insufficient funds", Assert.Single(sent.Refusals), StringComparison.Ordinal);
        var refused = s.Row("short-1");
        Assert.Equal(WithdrawalStatus.Sent, refused.Status); // the refusal is not taken as proof that it can never land
        Assert.Contains("insufficient funds", refused.LastError, StringComparison.Ordinal);
        Assert.Equal(new WithdrawalsConfirmed(0, 0, 0, 1), await s.Settler.ConfirmWithdrawalsAsync());
        Assert.Equal(lamportsBefore, await chain.Client.GetBalanceAsync(s.HotWallet));

        await chain.MintToAsync(s.Mint, s.HotTokenAccount, 10_000); // the operator tops the hot wallet up
        await chain.ExpireBlockhashAsync();
        Assert.Equal(1, (await s.Settler.ConfirmWithdrawalsAsync()).Requeued);
        Assert.Equal(1, (await s.Settler.SendWithdrawalsAsync()).Transactions);
        Assert.Equal(1, (await s.Settler.ConfirmWithdrawalsAsync()).Final);
        Assert.Equal(5_000UL, await s.TokensOfAsync(PublicKey.Parse(owner)));
        Assert.Equal(6_000UL, await s.HotTokensAsync());
        var audit = await s.Test.AuditAsync(chain.Client);
        Assert.True(audit.Passed, audit.Failure);
    }

    [Fact]
    public async Task a_destination_that_is_a_token_program_account_is_returned_without_a_transaction()
    {
        if (!chain.Available)
        {
            return;
        }
        await using var s = await SettledNode.StartAsync(chain);
        var owner = await FundedAsync(s, 9_000);
        // The mint's address is an ordinary key (on the curve), so the API takes it; on chain it is a token program account.
        (await s.Node.Withdrawals.RequestAsync(owner, new WithdrawalRequest(Earn, 4_000, s.Mint.ToString(), "to-mint"))).AssertOk();
        Assert.Equal(5_000, s.Node.Funds.Balance(owner, Earn));

        var sent = await s.Settler.SendWithdrawalsAsync();
        Assert.Equal((0, 0, 1), (sent.Transactions, sent.Withdrawals, sent.Rejected));
        var row = s.Row("to-mint");
        Assert.Equal((WithdrawalStatus.Returned, null), (row.Status, row.Signature));
        Assert.Contains(TokenProgram.Id.ToString(), row.LastError, StringComparison.Ordinal);
        Assert.Equal(9_000, s.Node.Funds.Balance(owner, Earn));
        var audit = await s.Test.AuditAsync(chain.Client);
        Assert.True(audit.Passed, audit.Failure);
    }

    [Fact]
    public async Task a_deposit_is_credited_once_even_when_observed_twice()
    {
        if (!chain.Available)
        {
            return;
        }
        await using var s = await SettledNode.StartAsync(chain);
        var requester = NewWallet();
        var address = (await s.Node.Deposits.OpenAsync(requester, new DepositRequest(Earn))).AssertOk();
        Assert.Equal((s.HotWallet.ToString(), s.HotTokenAccount.ToString(), s.Mint.ToString(), 6),
            (address.Recipient, address.TokenAccount, address.Mint, address.Decimals));
        Assert.StartsWith($"solana:{s.HotWallet}?spl-token={s.Mint}&reference={address.Reference}", address.Url, StringComparison.Ordinal);
        var supplyBefore = Supply(s);

        using var payer = Keypair.Generate();
        await chain.AirdropAsync(payer.PublicKey, 1_000_000_000);
        var payerAccount = await chain.CreateTokenAccountAsync(s.Mint, payer.PublicKey);
        await chain.MintToAsync(s.Mint, payerAccount, 10_000_000);
        var paid = await PayAsync(s, payer, payerAccount, 2_500_000, PublicKey.Parse(address.Reference));

        var scan = await s.Settler.ScanDepositsAsync();
        Assert.Equal((1, 0), (scan.Credited, scan.AlreadyCredited));
        // The hot wallet's own funding (the fixture's MintTo) raised the account too, with no reference: not credited.
        Assert.EndsWith("1000000000000 base units of EARN with no deposit reference", Assert.Single(scan.Unattributed),
            StringComparison.Ordinal);
        Assert.Equal(2_500_000, s.Node.Funds.Balance(requester, Earn));
        var credit = s.Node.Funds.Find(requester, $"deposit:{paid}").AssertOk();
        Assert.Equal((SystemAccounts.Issuance(Earn), TransferKinds.Deposit, address.Reference), (credit.Debit, credit.Kind, credit.Ref));
        Assert.Equal(supplyBefore + 2_500_000, Supply(s));

        // Seen again: by a later scan (nothing new), by looking the transaction up, and by a scan that lost its cursor.
        Assert.Equal(0, (await s.Settler.ScanDepositsAsync()).Credited);
        var again = await s.Settler.ObserveDepositAsync(Earn, paid);
        Assert.Equal((DepositOutcome.AlreadyCredited, requester, 2_500_000L), (again.Outcome, again.Owner, again.Amount));
        await s.Node.Database.WriteAsync(tx => tx.Execute("DELETE FROM meta WHERE key LIKE 'deposit_cursor:%'"));
        var rescan = await s.Settler.ScanDepositsAsync();
        Assert.Equal((0, 1), (rescan.Credited, rescan.AlreadyCredited));
        Assert.Equal(2_500_000, s.Node.Funds.Balance(requester, Earn));

        // A second payment with the same reference is a deposit of its own; one without a reference is nobody's.
        var second = await PayAsync(s, payer, payerAccount, 100, PublicKey.Parse(address.Reference));
        var anonymous = await PayAsync(s, payer, payerAccount, 777, null);
        scan = await s.Settler.ScanDepositsAsync();
        Assert.Equal((1, 0), (scan.Credited, scan.AlreadyCredited));
        Assert.Contains(anonymous.ToString(), Assert.Single(scan.Unattributed), StringComparison.Ordinal);
        Assert.Equal(2_500_100, s.Node.Funds.Balance(requester, Earn));
        var listed = Assert.Single(s.Node.Deposits.List(requester, null).AssertOk());
        Assert.Equal([paid.ToString(), second.ToString()], listed.Credits.Select(c => c.Signature));
        Assert.Equal(supplyBefore + 2_500_100, Supply(s));
        Assert.Equal(1_000_000_000_000UL + 2_500_000 + 100 + 777, await s.HotTokensAsync());

        var audit = await s.Test.AuditAsync(chain.Client);
        Assert.True(audit.Passed, audit.Failure);
        Assert.Contains(audit.Summary, l => l.Contains("2 deposits each credited once", StringComparison.Ordinal));
    }

    [Fact]
    public async Task an_anchor_memo_is_found_on_chain_by_the_audit_and_a_false_one_is_named()
    {
        if (!chain.Available)
        {
            return;
        }
        await using var s = await SettledNode.StartAsync(chain, configure: o => o.AnchorEveryBlocks = 3);
        Assert.Equal(AnchorsProgressed.None, await s.Settler.AnchorAsync()); // no block yet
        await BlocksAsync(s, 3);
        var head = s.Node.Chain.Head!;
        Assert.Equal(new AnchorsProgressed(head.Height, 1, 0, 0), await s.Settler.AnchorAsync());
        Assert.Equal(new AnchorsProgressed(null, 0, 1, 0), await s.Settler.AnchorAsync());
        var anchor = Assert.Single(s.Node.Anchors.List(null).AssertOk());
        Assert.Equal((head.Height, AnchorStatus.Final, $"earnest:anchor:{head.Height}:{Convert.ToHexStringLower(head.Hash())}"),
            (anchor.Height, anchor.Status, anchor.Memo));
        var landed = await chain.Client.GetTransactionAsync(Signature.Parse(anchor.Signature!));
        Assert.Equal([anchor.Memo], landed!.MemosOf(MemoProgram.Id));

        var audit = await s.Test.AuditAsync(chain.Client);
        Assert.True(audit.Passed, audit.Failure);
        Assert.Contains(audit.Summary, l => l.StartsWith("1 final anchors found on chain: each transaction carries its block's height and hash", StringComparison.Ordinal));

        await BlocksAsync(s, 3);
        var later = s.Node.Chain.Head!.Height;
        Assert.Equal(later, (await s.Settler.AnchorAsync()).Opened);
        Assert.Equal(1, (await s.Settler.AnchorAsync()).Final);
        Assert.True((await s.Test.AuditAsync(chain.Client)).Passed);

        // The two anchors' transactions swapped: each row still names its block, but the chain says otherwise.
        var signatures = s.Node.Anchors.List(null).AssertOk().ToDictionary(a => a.Height, a => a.Signature);
        await s.Node.Database.WriteAsync(tx => tx.Execute("""
            UPDATE anchors SET signature = CASE height WHEN @first THEN @second ELSE @firstSignature END
            """, new { first = head.Height, second = signatures[later], firstSignature = signatures[head.Height] }));
        Assert.True(s.Test.Audit().Passed, s.Test.Audit().Failure); // locally nothing is wrong
        audit = await s.Test.AuditAsync(chain.Client);
        Assert.False(audit.Passed);
        Assert.StartsWith($"anchor {head.Height}: the transaction {signatures[later]} carries 'earnest:anchor:{later}:",
            audit.Failure, StringComparison.Ordinal);

        // An anchor naming another block's hash is caught without the chain.
        await s.Node.Database.WriteAsync(tx => tx.Execute(
            "UPDATE anchors SET hash = (SELECT hash FROM blocks WHERE height = @previous) WHERE height = @height",
            new { previous = head.Height - 1, height = head.Height }));
        audit = s.Test.Audit();
        Assert.False(audit.Passed);
        Assert.StartsWith($"anchor {head.Height}: its hash ", audit.Failure, StringComparison.Ordinal);
        Assert.EndsWith($"is not the hash of block {head.Height}", audit.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_audit_names_a_withdrawal_or_deposit_whose_row_disagrees_with_the_ledger()
    {
        if (!chain.Available)
        {
            return;
        }
        await using var s = await SettledNode.StartAsync(chain);
        var owner = await FundedAsync(s, 90_000);
        (await s.Node.Withdrawals.RequestAsync(owner, new WithdrawalRequest(Earn, 30_000, owner, "paid"))).AssertOk();
        (await s.Node.Withdrawals.RequestAsync(owner, new WithdrawalRequest(Earn, 20_000, owner, "open"))).AssertOk();
        await s.Settler.SendWithdrawalsAsync();
        await s.Settler.ConfirmWithdrawalsAsync();
        (await s.Node.Withdrawals.RequestAsync(owner, new WithdrawalRequest(Earn, 5_000, owner, "waiting"))).AssertOk();
        var address = (await s.Node.Deposits.OpenAsync(owner, new DepositRequest(Earn))).AssertOk();
        using var payer = Keypair.Generate();
        await chain.AirdropAsync(payer.PublicKey, 1_000_000_000);
        var payerAccount = await chain.CreateTokenAccountAsync(s.Mint, payer.PublicKey);
        await chain.MintToAsync(s.Mint, payerAccount, 7_000);
        var paid = await PayAsync(s, payer, payerAccount, 7_000, PublicKey.Parse(address.Reference));
        Assert.Equal(1, (await s.Settler.ScanDepositsAsync()).Credited);
        Assert.True((await s.Test.AuditAsync(chain.Client)).Passed);

        // A final withdrawal whose destination was changed in the store: the ledger cannot tell, the chain can.
        var stranger = NewWallet();
        await s.Node.Database.WriteAsync(tx => tx.Execute("UPDATE withdrawals SET destination = @stranger WHERE id = 'paid'", new { stranger }));
        Assert.True(s.Test.Audit().Passed, s.Test.Audit().Failure);
        var onChain = await s.Test.AuditAsync(chain.Client);
        Assert.Equal($"withdrawal paid: its transaction {s.Row("paid").Signature} pays no 30000 base units of EARN to the token account of {stranger}",
            onChain.Failure);
        await s.Node.Database.WriteAsync(tx => tx.Execute("UPDATE withdrawals SET destination = @owner WHERE id = 'paid'", new { owner }));

        async Task<string?> TamperedAsync(string sql, string undo)
        {
            await s.Node.Database.WriteAsync(tx => tx.Execute(sql));
            var failure = s.Test.Audit().Failure;
            await s.Node.Database.WriteAsync(tx => tx.Execute(undo));
            Assert.True(s.Test.Audit().Passed);
            return failure;
        }
        Assert.Equal("withdrawal paid: its transfer withdraw:paid does not move 30001 EARN from " + owner + " into settlement:EARN",
            await TamperedAsync("UPDATE withdrawals SET amount = 30001 WHERE id = 'paid'", "UPDATE withdrawals SET amount = 30000 WHERE id = 'paid'"));
        Assert.Equal("withdrawal paid: pending, yet settled or returned",
            await TamperedAsync("UPDATE withdrawals SET status = 'pending' WHERE id = 'paid'", "UPDATE withdrawals SET status = 'final' WHERE id = 'paid'"));
        Assert.Equal("withdrawal waiting: final, but its amount never left the ledger",
            await TamperedAsync("UPDATE withdrawals SET status = 'final', signature = 'x' WHERE id = 'waiting'",
                "UPDATE withdrawals SET status = 'pending', signature = NULL WHERE id = 'waiting'"));
        Assert.Equal("withdrawal renamed: 0 withdraw transfers, expected one",
            await TamperedAsync("UPDATE withdrawals SET id = 'renamed' WHERE id = 'waiting'", "UPDATE withdrawals SET id = 'waiting' WHERE id = 'renamed'"));
        Assert.Equal($"deposit {paid}: its transfer deposit:{paid} does not credit 7001 EARN to {owner} from the issuance account with reference {address.Reference}",
            await TamperedAsync("UPDATE deposits SET amount = 7001", "UPDATE deposits SET amount = 7000"));
        Assert.Equal("deposit gone: recorded as credited, but the ledger has no transfer deposit:gone",
            await TamperedAsync("UPDATE deposits SET signature = 'gone'", $"UPDATE deposits SET signature = '{paid}'"));
    }

    [Fact]
    public async Task a_mint_whose_decimals_differ_from_its_asset_or_that_is_no_mint_is_refused()
    {
        if (!chain.Available)
        {
            return;
        }
        var nine = await chain.CreateMintAsync(9);
        using var wallet = Keypair.Generate();
        await using var t = await TestNode.StartAsync(o =>
        {
            o.Settlement.RpcUrl = chain.Url.ToString();
            o.Settlement.Mints["EARN"] = nine.ToString();
        });
        var refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => new Settler(t.Node, chain.Client).VerifyAsync());
        Assert.Equal($"Settlement:Mints:EARN: EARN has 6 decimals but the mint {nine} has 9; they must be equal, " +
                     "or a withdrawal would pay a different amount than it debits.", refusal.Message);

        await using var u = await TestNode.StartAsync(o =>
        {
            o.Settlement.RpcUrl = chain.Url.ToString();
            o.Settlement.Mints["EARN"] = wallet.PublicKey.ToString();
            o.Settlement.Mints["GEM"] = nine.ToString();
        });
        refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => new Settler(u.Node, chain.Client).VerifyAsync());
        Assert.Equal($"Settlement:Mints:EARN: the mint {wallet.PublicKey} does not exist on the cluster. " +
                     "Settlement:Mints:GEM: there is no asset GEM on this ledger.", refusal.Message);
    }

    [Fact]
    public async Task withdrawals_deposits_and_anchors_settle_the_same_on_postgresql()
    {
        if (!chain.Available)
        {
            return;
        }
        await using var s = await SettledNode.StartAsync(chain, store: Store.Postgres, configure: o => o.AnchorEveryBlocks = 2);
        var owners = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            owners.Add(await FundedAsync(s, 50_000));
            (await s.Node.Withdrawals.RequestAsync(owners[i], new WithdrawalRequest(Earn, 10_000 + i, owners[i], $"pg-{i}"))).AssertOk();
        }
        var requester = NewWallet();
        var address = (await s.Node.Deposits.OpenAsync(requester, new DepositRequest(Earn))).AssertOk();
        using var payer = Keypair.Generate();
        await chain.AirdropAsync(payer.PublicKey, 1_000_000_000);
        var payerAccount = await chain.CreateTokenAccountAsync(s.Mint, payer.PublicKey);
        await chain.MintToAsync(s.Mint, payerAccount, 40_000);
        await PayAsync(s, payer, payerAccount, 40_000, PublicKey.Parse(address.Reference));

        var run = await s.Settler.RunOnceAsync();
        Assert.Empty(run.Problems);
        Assert.Equal((1, 3, 1, 1), (run.Sent.Transactions, run.Sent.Withdrawals, run.Deposits.Credited, run.Anchors.Sent));
        run = await s.Settler.RunOnceAsync();
        Assert.Equal((3, 1), (run.Confirmed.Final, run.Anchors.Final));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal((ulong)(10_000 + i), await s.TokensOfAsync(PublicKey.Parse(owners[i])));
        }
        Assert.Equal(40_000, s.Node.Funds.Balance(requester, Earn));
        var audit = await s.Test.AuditAsync(chain.Client);
        Assert.True(audit.Passed, audit.Failure);
        Assert.Contains(audit.Summary, l => l.StartsWith("1 final anchors found on chain: each transaction carries its block's height and hash", StringComparison.Ordinal));
    }

    [Fact]
    public async Task the_server_loop_settles_a_withdrawal_made_over_http_on_its_interval()
    {
        if (!chain.Available)
        {
            return;
        }
        await using var s = await SettledNode.StartAsync(chain, configure: o => o.Interval = TimeSpan.FromSeconds(30));
        await using var app = Earnest.Server.EarnestServer.Create(s.Node, new Earnest.Server.ServerOptions { Urls = "http://127.0.0.1:0" },
            s.Settler);
        var runs = System.Threading.Channels.Channel.CreateUnbounded<SettlementRun>();
        app.Services.GetRequiredService<Earnest.Server.Settlement.SettlementService>().RunCompleted += run => runs.Writer.TryWrite(run);
        await app.StartAsync();
        try
        {
            await NextRunAsync(runs, _ => true); // the first run, at start: nothing to do
            using var key = Earnest.Identity.WalletKey.Create();
            using var http = new HttpClient { BaseAddress = new Uri(Earnest.Server.EarnestServer.ListeningUrl(app)) };
            var client = new Earnest.Client.EarnestClient(http);
            await client.SignInAsync(key);
            await client.FaucetAsync(90_000);
            using var events = s.Node.Events.Subscribe(key.Address);
            var accepted = await client.WithdrawAsync(Earn, 80_000, key.Address, "loop-1");
            Assert.Equal(WithdrawalStatus.Pending, accepted.Status);

            s.Test.Time.Advance(TimeSpan.FromSeconds(30));
            Assert.Equal(1, (await NextRunAsync(runs, r => r.Sent.Transactions > 0)).Sent.Withdrawals);
            s.Test.Time.Advance(TimeSpan.FromSeconds(30));
            Assert.Equal(1, (await NextRunAsync(runs, r => r.Confirmed.Final > 0)).Confirmed.Final);

            Assert.Equal(WithdrawalStatus.Final, (await client.WithdrawalAsync("loop-1")).Status);
            Assert.Equal(80_000UL, await s.TokensOfAsync(PublicKey.Parse(key.Address)));
            var statuses = new List<string>();
            while (events.Reader.TryRead(out var e))
            {
                statuses.Add(((WithdrawalView)e.Data).Status);
            }
            Assert.Equal([WithdrawalStatus.Pending, WithdrawalStatus.Final], statuses);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    /// <summary>The next run of the server's loop that satisfies <paramref name="wanted"/> (a minute is a failure, not a wait).</summary>
    private static async Task<SettlementRun> NextRunAsync(System.Threading.Channels.Channel<SettlementRun> runs,
        Func<SettlementRun, bool> wanted)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            var run = await runs.Reader.ReadAsync(limit.Token);
            Assert.Empty(run.Problems);
            if (wanted(run))
            {
                return run;
            }
        }
    }

    private static string NewWallet()
    {
        using var key = Keypair.Generate();
        return key.PublicKey.ToString();
    }

    private static async Task<string> FundedAsync(SettledNode s, long amount)
    {
        var wallet = NewWallet();
        (await s.Node.Funds.FaucetAsync(wallet, amount, null)).AssertOk();
        return wallet;
    }

    private static long Supply(SettledNode s) => s.Node.Issuance.List().Single(a => a.Symbol == Earn).Supply;

    /// <summary>Some blocks on the ledger: each faucet payment is a commit of its own, so a block of its own.</summary>
    private static async Task BlocksAsync(SettledNode s, int count)
    {
        for (var i = 0; i < count; i++)
        {
            (await s.Node.Funds.FaucetAsync(NewWallet(), 1 + i, null)).AssertOk();
        }
    }

    /// <summary>
    /// A payer's TransferChecked into the network's token account, with the reference (when given) appended as a
    /// read-only account, as a Solana Pay wallet sends it; answers its signature once it landed.
    /// </summary>
    private async Task<Signature> PayAsync(SettledNode s, Keypair payer, PublicKey payerAccount, ulong amount, PublicKey? reference)
    {
        var transfer = TokenProgram.TransferChecked(payerAccount, s.Mint, s.HotTokenAccount, payer.PublicKey, amount, 6);
        if (reference is not null)
        {
            transfer = new Instruction(transfer.ProgramId, [.. transfer.Accounts, AccountMeta.Readonly(reference)], transfer.Data.Span);
        }
        var blockhash = (await chain.Client.GetLatestBlockhashAsync()).Blockhash;
        var transaction = LiteSvmRpcTests.Sign(payer, blockhash, [transfer]);
        var signature = await chain.Client.SendTransactionAsync(transaction);
        Assert.True((await chain.Client.GetSignatureStatusesAsync([signature]))[0]!.Succeeded);
        return signature;
    }
}

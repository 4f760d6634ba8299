using Earnest.Settlement;
using Earnest.Solana;
using Earnest.Solana.Programs;
using Xunit;

namespace Earnest.Tests.Solana;

/// <summary>
/// Packing withdrawals into transactions, without a chain: in order, as many as fit one packet or the batch limit,
/// each transaction's size the one docs/solana.md's fee arithmetic gives, its instructions one CreateIdempotent (when
/// asked) and one TransferChecked per withdrawal, signed by the hot key.
/// </summary>
public sealed class WithdrawalBatchesTests
{
    private static readonly Blockhash Blockhash = Blockhash.FromBytes(Enumerable.Repeat((byte)7, 32).ToArray());
    private static readonly PublicKey Mint = Key(200).PublicKey;

    private static Keypair Key(int n) => Keypair.FromSeed(Enumerable.Repeat((byte)n, 32).ToArray());

    private static List<Payout> Payouts(int creating, int plain) =>
    [
        .. Enumerable.Range(0, creating + plain).Select(i => new Payout($"w{i}", Key(i + 1).PublicKey, (ulong)(1_000 + i), i < creating)),
    ];

    /// <summary>docs/solana.md: about 232 + 49 t + 91 c bytes, plus 64 with any creation.</summary>
    private static int Formula(int plain, int creating) => 232 + (49 * plain) + (91 * creating) + (creating > 0 ? 64 : 0);

    [Theory]
    [InlineData(0, 25, new[] { 20, 5 })]
    [InlineData(25, 0, new[] { 10, 10, 5 })]
    [InlineData(8, 17, new[] { 12, 13 })]
    [InlineData(5, 9, new[] { 14 })]
    public void withdrawals_fill_each_transaction_in_order_up_to_the_packet(int creating, int plain, int[] sizes)
    {
        using var hot = Key(99);
        var payouts = Payouts(creating, plain);
        var batches = WithdrawalBatches.Pack(hot, Mint, 6, Blockhash, payouts, limit: 32, maxBatches: 10);
        Assert.Equal(sizes, batches.Select(b => b.Ids.Count));
        Assert.Equal(payouts.Select(p => p.Id), batches.SelectMany(b => b.Ids)); // in order, each once
        var start = 0;
        foreach (var batch in batches)
        {
            var inBatch = payouts.Skip(start).Take(batch.Ids.Count).ToList();
            start += batch.Ids.Count;
            var c = inBatch.Count(p => p.CreateAccount);
            var bytes = batch.Transaction.Serialize().Length;
            Assert.Equal(Formula(inBatch.Count - c, c), bytes);
            Assert.True(bytes <= TransactionLimits.PacketSize);
            Assert.True(batch.Transaction.IsFullySigned);
            Assert.Equal(hot.PublicKey, batch.Transaction.Message.Signers.Single());
            Assert.Equal(inBatch.Count + c, batch.Transaction.Message.Instructions.Count);
        }
    }

    [Fact]
    public void the_batch_limit_and_the_most_transactions_bound_a_pack()
    {
        using var hot = Key(99);
        var payouts = Payouts(0, 25);
        Assert.Equal([7, 7, 7, 4], WithdrawalBatches.Pack(hot, Mint, 6, Blockhash, payouts, limit: 7, maxBatches: 10)
            .Select(b => b.Ids.Count));
        Assert.Equal([7, 7], WithdrawalBatches.Pack(hot, Mint, 6, Blockhash, payouts, limit: 7, maxBatches: 2)
            .Select(b => b.Ids.Count));
        Assert.Equal(["w0"], WithdrawalBatches.Pack(hot, Mint, 6, Blockhash, payouts, limit: 1, maxBatches: 1).Single().Ids);
    }

    [Fact]
    public void a_payout_pays_the_wallets_associated_account_from_the_hot_wallets_with_the_mints_decimals()
    {
        using var hot = Key(99);
        var payout = new Payout("w", Key(5).PublicKey, 123_456, CreateAccount: true);
        var instructions = WithdrawalBatches.Instructions(hot.PublicKey, AssociatedTokenProgram.Address(hot.PublicKey, Mint),
            Mint, 6, [payout]).ToList();
        Assert.Equal([AssociatedTokenProgram.Id, TokenProgram.Id], instructions.Select(i => i.ProgramId));
        var transfer = instructions[1];
        Assert.Equal(AssociatedTokenProgram.Address(hot.PublicKey, Mint), transfer.Accounts[0].Address);
        Assert.Equal(Mint, transfer.Accounts[1].Address);
        Assert.Equal(AssociatedTokenProgram.Address(Key(5).PublicKey, Mint), transfer.Accounts[2].Address);
        Assert.Equal(hot.PublicKey, transfer.Accounts[3].Address);
        Assert.Equal(TokenProgram.TransferChecked(transfer.Accounts[0].Address, Mint, transfer.Accounts[2].Address,
            hot.PublicKey, 123_456, 6).Data.ToArray(), transfer.Data.ToArray());
    }
}

using System.Globalization;
using Earnest.Settlement;
using Earnest.Solana;
using Earnest.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Earnest.Tests.Solana;

/// <summary>
/// What a withdrawal costs the network's hot wallet, measured through the settler on the real runtime
/// (<see cref="LiteSvmFixture"/>): 20 withdrawals settled batched (the settler's default) and one per transaction
/// (a batch limit of 1), to new recipients (their token accounts created) and to the same recipients again. The hot
/// wallet's lamports are read before and after each, and must differ by exactly 5000 per transaction plus the rent of
/// each account created. The table is printed (bench/README.md §6 and docs/solana.md quote it).
/// </summary>
public sealed class SettlementCostTests(LiteSvmFixture chain, ITestOutputHelper output) : IClassFixture<LiteSvmFixture>
{
    private const int Withdrawals = 20;
    private const ulong LamportsPerSignature = 5000;

    [Fact]
    public async Task fee_and_rent_per_withdrawal_batched_and_one_per_transaction()
    {
        if (!chain.Available)
        {
            return;
        }
        var rent = await chain.Client.GetMinimumBalanceForRentExemptionAsync(165);
        var rows = new List<(string Case, int Transactions, ulong Fee, ulong Rent)>();
        foreach (var batchLimit in new[] { 20, 1 })
        {
            await using var s = await SettledNode.StartAsync(chain, configure: o =>
            {
                o.BatchLimit = batchLimit;
                o.MaxTransactionsPerRun = Withdrawals;
            });
            var recipients = Enumerable.Range(0, Withdrawals).Select(_ => Keypair.Generate()).ToList();
            var how = batchLimit == 1 ? "one per transaction" : "batched";
            rows.Add(await SettleAsync(s, recipients, "first", $"to new recipients, {how}", rent, newAccounts: true));
            rows.Add(await SettleAsync(s, recipients, "again", $"to the same recipients, {how}", rent, newAccounts: false));
            foreach (var key in recipients)
            {
                key.Dispose();
            }
        }

        // Ten account creations and transfers fill a packet; twenty transfers do.
        Assert.Equal([2, 1, 20, 20], rows.Select(r => r.Transactions));
        output.WriteLine($"{Withdrawals} withdrawals per case; fee {LamportsPerSignature} lamports per transaction; rent {rent} per token account created");
        output.WriteLine("| withdrawals | transactions | fee | rent | lamports per withdrawal |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var (name, transactions, fee, paid) in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Withdrawals} {name} | {transactions} | {fee:N0} | {paid:N0} | {(fee + paid) / Withdrawals:N0} |"));
        }
    }

    /// <summary>Settles one withdrawal to each recipient and measures what the hot wallet paid.</summary>
    private async Task<(string, int, ulong, ulong)> SettleAsync(SettledNode s, IReadOnlyList<Keypair> recipients, string round,
        string name, ulong rent, bool newAccounts)
    {
        for (var i = 0; i < recipients.Count; i++)
        {
            var wallet = recipients[i].PublicKey.ToString();
            (await s.Node.Funds.FaucetAsync(wallet, 1_000_000, null)).AssertOk();
            (await s.Node.Withdrawals.RequestAsync(wallet, new WithdrawalRequest("EARN", 1_000 + i, wallet, $"{round}-{i}"))).AssertOk();
        }
        var before = await chain.Client.GetBalanceAsync(s.HotWallet);
        var sent = await s.Settler.SendWithdrawalsAsync();
        Assert.Equal(recipients.Count, sent.Withdrawals);
        Assert.Equal(recipients.Count, (await s.Settler.ConfirmWithdrawalsAsync()).Final);
        var paid = before - await chain.Client.GetBalanceAsync(s.HotWallet);
        var fee = LamportsPerSignature * (ulong)sent.Transactions;
        var rentPaid = newAccounts ? rent * (ulong)recipients.Count : 0;
        Assert.Equal(fee + rentPaid, paid); // the fee of each transaction and each new account's rent, nothing else
        return (name, sent.Transactions, fee, rentPaid);
    }
}

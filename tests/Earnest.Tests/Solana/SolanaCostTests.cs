using System.Globalization;
using Earnest.Solana;
using Earnest.Solana.Rpc;
using Xunit;
using Xunit.Abstractions;
using static Earnest.Tests.Solana.LiteSvmRpcTests;

namespace Earnest.Tests.Solana;

/// <summary>
/// What payouts cost on Solana, measured on the real runtime (<see cref="LiteSvmFixture"/>): the fee and the rent of
/// one TransferChecked per transaction, and of the largest batches that fit one packet (1232 bytes), with and without
/// creating the recipients' token accounts. The figures are printed (docs/solana.md, "Cost", quotes them) and checked:
/// the fee is 5000 lamports per signature, and the fee payer pays the fee and each new account's rent-exempt minimum,
/// nothing else.
/// </summary>
public sealed class SolanaCostTests(LiteSvmFixture chain, ITestOutputHelper output) : IClassFixture<LiteSvmFixture>
{
    private const ulong LamportsPerSignature = 5000;

    private SolanaRpcClient Rpc => chain.Client;

    [Fact]
    public async Task fee_and_rent_of_single_payouts_and_of_the_largest_batches_that_fit_one_packet()
    {
        if (!chain.Available)
        {
            return;
        }
        var rent = await Rpc.GetMinimumBalanceForRentExemptionAsync(165);
        var treasury = await chain.TreasuryAsync(Key(90), 1_000_000_000_000);
        var recipients = Enumerable.Range(0, 40).Select(i => Key((byte)(100 + i)).PublicKey).ToList();

        var (withCreation, creationLimit) = Largest(treasury, recipients, createAccounts: true, MessageVersion.V0);
        var (withoutCreation, transferLimit) = Largest(treasury, recipients, createAccounts: false, MessageVersion.V0);
        var legacyWithCreation = Largest(treasury, recipients, createAccounts: true, MessageVersion.Legacy).Count;
        var legacyWithoutCreation = Largest(treasury, recipients, createAccounts: false, MessageVersion.Legacy).Count;
        Assert.True(withCreation >= 2 && withoutCreation > withCreation,
            $"batches of {withCreation} (with creation) and {withoutCreation} (without) fit a packet");

        var rows = new List<Row>
        {
            // A new recipient: its account is created and paid in one transaction.
            await MeasureAsync("1 CreateIdempotent + TransferChecked", treasury, recipients[..1], createAccounts: true, rent),
            // The same recipient again: its account exists.
            await MeasureAsync("1 TransferChecked", treasury, recipients[..1], createAccounts: false, rent),
            await MeasureAsync($"{withCreation} × (CreateIdempotent + TransferChecked)", treasury,
                recipients[1..(1 + withCreation)], createAccounts: true, rent),
        };
        // Every recipient of the next batch has an account by now, or gets one from the fixture.
        foreach (var recipient in recipients[(1 + withCreation)..withoutCreation])
        {
            await chain.CreateTokenAccountAsync(treasury.Mint, recipient);
        }
        rows.Add(await MeasureAsync($"{withoutCreation} × TransferChecked", treasury, recipients[..withoutCreation],
            createAccounts: false, rent));

        output.WriteLine($"rent-exempt minimum of a token account (165 bytes): {rent} lamports");
        output.WriteLine($"largest batch in one packet: {withCreation} payouts with account creation (v0; legacy {legacyWithCreation}), next: {creationLimit}");
        output.WriteLine($"largest batch in one packet: {withoutCreation} payouts to existing accounts (v0; legacy {legacyWithoutCreation}), next: {transferLimit}");
        output.WriteLine("| transaction | payouts | bytes | fee | rent | lamports per payout | compute units |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Shape} | {row.Payouts} | {row.Bytes} | {row.Fee} | {row.Rent} | {(double)(row.Fee + row.Rent) / row.Payouts:0.#} | {row.ComputeUnits} |"));
        }
    }

    /// <summary>The largest batch that still fits one packet, and why one more does not.</summary>
    private static (int Count, string Limit) Largest(Treasury treasury, IReadOnlyList<PublicKey> recipients,
        bool createAccounts, MessageVersion version)
    {
        var blockhash = Blockhash.FromBytes(new byte[32]);
        for (var n = 1; n <= recipients.Count; n++)
        {
            try
            {
                _ = new Transaction(Message.Compile(version, treasury.Owner.PublicKey, blockhash,
                    recipients.Take(n).SelectMany(r => Payout(treasury, r, 1, createAccounts))));
            }
            catch (TransactionException e)
            {
                return (n - 1, e.Message);
            }
        }
        throw new InvalidOperationException($"{recipients.Count} payouts fit one packet; give the test more recipients");
    }

    /// <summary>Sends one payout to each recipient in one transaction and measures what the fee payer paid.</summary>
    private async Task<Row> MeasureAsync(string shape, Treasury treasury, IReadOnlyList<PublicKey> recipients,
        bool createAccounts, ulong rent)
    {
        var created = 0;
        var before = new List<ulong>();
        foreach (var recipient in recipients)
        {
            var info = await Rpc.GetAccountInfoAsync(Ata(recipient, treasury.Mint));
            created += info is null ? 1 : 0;
            before.Add(info is null ? 0 : (await Rpc.GetTokenAccountBalanceAsync(Ata(recipient, treasury.Mint))).Amount);
        }
        var payerBefore = await Rpc.GetBalanceAsync(treasury.Owner.PublicKey);
        var blockhash = (await Rpc.GetLatestBlockhashAsync()).Blockhash;
        var amounts = recipients.Select((_, i) => (ulong)(1_000 + i)).ToList();
        var transaction = Sign(treasury.Owner, blockhash,
            recipients.Zip(amounts).SelectMany(p => Payout(treasury, p.First, p.Second, createAccounts)));
        var bytes = transaction.Serialize().Length;

        var signature = await Rpc.SendTransactionAsync(transaction);

        var details = await Rpc.GetTransactionAsync(signature);
        Assert.NotNull(details);
        Assert.True(details.Meta.Error is null, $"{shape} failed: {details.Meta.Error}");
        var spent = payerBefore - await Rpc.GetBalanceAsync(treasury.Owner.PublicKey);
        Assert.Equal(LamportsPerSignature * (ulong)transaction.Signatures.Count, details.Meta.Fee);
        Assert.Equal(details.Meta.Fee + ((ulong)created * rent), spent);
        for (var i = 0; i < recipients.Count; i++)
        {
            Assert.Equal(before[i] + amounts[i], (await Rpc.GetTokenAccountBalanceAsync(Ata(recipients[i], treasury.Mint))).Amount);
        }
        return new Row(shape, recipients.Count, bytes, details.Meta.Fee, (ulong)created * rent, details.Meta.ComputeUnitsConsumed ?? 0);
    }

    private sealed record Row(string Shape, int Payouts, int Bytes, ulong Fee, ulong Rent, ulong ComputeUnits);
}

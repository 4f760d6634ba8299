using Earnest.Solana;
using Earnest.Solana.Programs;

namespace Earnest.Settlement;

/// <summary>One withdrawal as a payout: the wallet paid, base units, and whether its token account must be created first.</summary>
/// <param name="Id">The withdrawal's id.</param>
/// <param name="Owner">The wallet paid (the owner of the destination token account).</param>
/// <param name="Amount">Base units.</param>
/// <param name="CreateAccount">The wallet's associated token account does not exist yet.</param>
public sealed record Payout(string Id, PublicKey Owner, ulong Amount, bool CreateAccount);

/// <summary>A signed transaction paying some withdrawals, and their ids.</summary>
/// <param name="Transaction">The transaction, signed by the hot key.</param>
/// <param name="Ids">The withdrawals it pays, in instruction order.</param>
public sealed record PayoutBatch(Transaction Transaction, IReadOnlyList<string> Ids);

/// <summary>
/// Packs payouts into as few transactions as fit: in order, each payout adds its CreateIdempotent (when its account
/// is missing) and its TransferChecked to the current transaction until the next one would not fit one packet (1232
/// bytes, 64 accounts) or the batch limit is reached. Pure: the same payouts over the same blockhash give the same
/// bytes.
/// </summary>
public static class WithdrawalBatches
{
    /// <summary>Packs <paramref name="payouts"/> into at most <paramref name="maxBatches"/> transactions.</summary>
    /// <param name="hotKey">Pays the fees, owns the source token account and signs.</param>
    /// <param name="mint">The asset's mint.</param>
    /// <param name="decimals">The mint's decimals.</param>
    /// <param name="blockhash">The blockhash every transaction is signed over.</param>
    /// <param name="payouts">The payouts, in the order they are paid.</param>
    /// <param name="limit">The most payouts in one transaction.</param>
    /// <param name="maxBatches">The most transactions.</param>
    public static IReadOnlyList<PayoutBatch> Pack(Keypair hotKey, PublicKey mint, byte decimals, Blockhash blockhash,
        IReadOnlyList<Payout> payouts, int limit, int maxBatches)
    {
        ArgumentNullException.ThrowIfNull(hotKey);
        ArgumentNullException.ThrowIfNull(payouts);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var source = AssociatedTokenProgram.Address(hotKey.PublicKey, mint);
        var batches = new List<PayoutBatch>();
        var current = new List<Payout>();
        Transaction? built = null;
        foreach (var payout in payouts)
        {
            if (batches.Count == maxBatches)
            {
                break;
            }
            var candidate = current.Count < limit ? TryBuild(hotKey, source, mint, decimals, blockhash, [.. current, payout]) : null;
            if (candidate is not null)
            {
                current.Add(payout);
                built = candidate;
                continue;
            }
            if (current.Count == 0)
            {
                throw new InvalidOperationException($"withdrawal {payout.Id} alone does not fit one transaction");
            }
            batches.Add(new PayoutBatch(built!.Sign(hotKey), current.Select(p => p.Id).ToList()));
            current = [];
            if (batches.Count == maxBatches)
            {
                break;
            }
            built = TryBuild(hotKey, source, mint, decimals, blockhash, [payout])
                ?? throw new InvalidOperationException($"withdrawal {payout.Id} alone does not fit one transaction");
            current.Add(payout);
        }
        if (current.Count > 0 && batches.Count < maxBatches)
        {
            batches.Add(new PayoutBatch(built!.Sign(hotKey), current.Select(p => p.Id).ToList()));
        }
        return batches;
    }

    /// <summary>The instructions of payouts: per payout, CreateIdempotent when its account is missing, then TransferChecked.</summary>
    public static IEnumerable<Instruction> Instructions(PublicKey hotWallet, PublicKey source, PublicKey mint, byte decimals,
        IEnumerable<Payout> payouts)
    {
        ArgumentNullException.ThrowIfNull(payouts);
        foreach (var payout in payouts)
        {
            var destination = AssociatedTokenProgram.Address(payout.Owner, mint);
            if (payout.CreateAccount)
            {
                yield return AssociatedTokenProgram.CreateIdempotent(hotWallet, destination, payout.Owner, mint);
            }
            yield return TokenProgram.TransferChecked(source, mint, destination, hotWallet, payout.Amount, decimals);
        }
    }

    private static Transaction? TryBuild(Keypair hotKey, PublicKey source, PublicKey mint, byte decimals,
        Blockhash blockhash, IReadOnlyList<Payout> payouts)
    {
        try
        {
            var message = Message.Compile(MessageVersion.V0, hotKey.PublicKey, blockhash,
                Instructions(hotKey.PublicKey, source, mint, decimals, payouts));
            return new Transaction(message);
        }
        catch (TransactionException)
        {
            // Too large for one packet, or too many accounts: the payout goes into the next transaction.
            return null;
        }
    }
}

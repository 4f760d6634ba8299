using Earnest.Solana;
using Earnest.Solana.Rpc;

namespace Earnest.Settlement;

/// <summary>
/// Reads a landed transaction as a deposit: how many base units of the mint the network's token account received in
/// it (its balance after less before, so a transfer by any route counts, and the network's own payouts, which lower it,
/// never do), and the accounts that may be deposit references.
/// </summary>
public static class DepositMatch
{
    /// <summary>
    /// The base units of <paramref name="mint"/> that <paramref name="tokenAccount"/> received in the transaction; 0
    /// when it failed, does not name the account, or did not raise its balance.
    /// </summary>
    public static ulong Received(TransactionDetails transaction, PublicKey tokenAccount, PublicKey mint)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (transaction.Meta.Error is not null)
        {
            return 0;
        }
        var index = transaction.AllAccountKeys.ToList().IndexOf(tokenAccount);
        if (index < 0)
        {
            return 0;
        }
        // A transaction that created the account (a payer's wallet does so when it is missing) has no balance before.
        var before = Balance(transaction.Meta.PreTokenBalances, index, mint);
        var after = Balance(transaction.Meta.PostTokenBalances, index, mint);
        return after > before ? after - before : 0;
    }

    /// <summary>The transaction's accounts in order, the candidates for a reference.</summary>
    public static IReadOnlyList<string> Accounts(TransactionDetails transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction.AllAccountKeys.Select(k => k.ToString()).Distinct(StringComparer.Ordinal).ToList();
    }

    private static ulong Balance(IReadOnlyList<TokenBalance> balances, int index, PublicKey mint) =>
        balances.FirstOrDefault(b => b.AccountIndex == index && b.Mint == mint)?.Amount.Amount ?? 0;
}

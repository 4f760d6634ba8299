using Earnest.Solana;
using Earnest.Solana.Programs;
using Earnest.Solana.Rpc;

namespace Earnest.Settlement;

/// <summary>An SPL Token mint account as settlement needs it: its decimals.</summary>
public static class MintAccount
{
    /// <summary>Bytes in a mint account (SPL Token): authority option (36), supply (8), decimals (1), initialized (1), freeze authority option (36).</summary>
    public const int Size = 82;

    private const int DecimalsOffset = 44;
    private const int InitializedOffset = 45;

    /// <summary>Why the account is not an initialized SPL Token mint, or null and its decimals.</summary>
    public static string? Problem(PublicKey address, AccountInfo? account, out byte decimals)
    {
        ArgumentNullException.ThrowIfNull(address);
        decimals = 0;
        if (account is null)
        {
            return $"the mint {address} does not exist on the cluster";
        }
        if (account.Owner != TokenProgram.Id)
        {
            return $"{address} is an account of {account.Owner}, not a mint of the SPL Token program {TokenProgram.Id}";
        }
        var data = account.Data.Span;
        if (data.Length != Size || data[InitializedOffset] != 1)
        {
            return $"{address} is not an initialized mint ({data.Length} bytes, a mint has {Size})";
        }
        decimals = data[DecimalsOffset];
        return null;
    }
}

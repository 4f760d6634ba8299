namespace Earnest.Solana;

/// <summary>
/// The order @solana/kit gives accounts of one class in a message: its address comparator, an
/// <c>Intl.Collator('en', { caseFirst: 'lower', sensitivity: 'variant' })</c> over the base58 text. Over the base58
/// alphabet that collation is: compare the texts letter by letter ignoring case, digits before letters
/// (1 &lt; 9 &lt; a = A &lt; b = B …), a text that is a prefix of the other first; when they are equal so, the first
/// position where the case differs decides, lower case first. It is neither byte order nor ordinal text order
/// ("a…" sorts before "B…"), and .NET's invariant-globalization mode has no such collation, so it is spelled out.
/// </summary>
public static class AddressOrder
{
    /// <summary>A comparer of addresses in this order.</summary>
    public static IComparer<PublicKey> Comparer { get; } = Comparer<PublicKey>.Create(Compare);

    /// <summary>Negative when <paramref name="x"/> sorts first, positive when <paramref name="y"/> does, 0 when equal.</summary>
    public static int Compare(PublicKey x, PublicKey y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return Compare(x.ToString(), y.ToString());
    }

    /// <summary>The same order over base58 texts.</summary>
    public static int Compare(string x, string y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var common = Math.Min(x.Length, y.Length);
        for (var i = 0; i < common; i++)
        {
            var primary = PrimaryWeight(x[i]).CompareTo(PrimaryWeight(y[i]));
            if (primary != 0)
            {
                return primary;
            }
        }
        if (x.Length != y.Length)
        {
            return x.Length.CompareTo(y.Length);
        }
        for (var i = 0; i < common; i++)
        {
            if (x[i] != y[i])
            {
                // Same letter, different case: lower case first.
                return char.IsLower(x[i]) ? -1 : 1;
            }
        }
        return 0;
    }

    /// <summary>Digits first, then letters alphabetically with case ignored.</summary>
    private static int PrimaryWeight(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'z' => 100 + (c - 'a'),
        >= 'A' and <= 'Z' => 100 + (c - 'A'),
        _ => throw new ArgumentException($"'{c}' is not a base58 character."),
    };
}

using System.Numerics;

namespace Earnest.Solana;

/// <summary>
/// Whether 32 bytes are the compressed form of a point of Ed25519, by point decompression (RFC 8032, section 5.1.3)
/// in exact integer arithmetic. A program-derived address must not be a point: no private key can sign for it.
/// </summary>
/// <remarks>
/// Two edge cases follow @solana/kit (whose check the corpus compares against) rather than the letter of the RFC: a
/// y coordinate of 2^255 − 19 or more is reduced modulo p instead of refused (curve25519-dalek, which the Solana
/// runtime uses, does the same), and x = 0 with the sign bit set is refused (as the RFC says; dalek accepts it).
/// Only y ≡ ±1 give x = 0, so the second case concerns three byte strings (y = 1, p − 1 and p + 1 with the sign bit)
/// that SHA-256 will never produce.
/// </remarks>
public static class Ed25519Curve
{
    /// <summary>The field prime, 2^255 − 19.</summary>
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;

    /// <summary>The curve constant d = −121665 / 121666 mod p.</summary>
    private static readonly BigInteger D = Mod(-121665 * BigInteger.ModPow(121666, P - 2, P));

    /// <summary>A square root of −1 mod p: 2^((p − 1) / 4).</summary>
    private static readonly BigInteger SqrtMinusOne = BigInteger.ModPow(2, (P - 1) / 4, P);

    /// <summary>True when <paramref name="compressed"/> (32 bytes) decompresses to a point of the curve.</summary>
    public static bool IsOnCurve(ReadOnlySpan<byte> compressed)
    {
        if (compressed.Length != 32)
        {
            throw new ArgumentException($"A compressed point has 32 bytes; these are {compressed.Length}.",
                nameof(compressed));
        }
        Span<byte> littleEndian = stackalloc byte[32];
        compressed.CopyTo(littleEndian);
        var signBit = (littleEndian[31] & 0x80) != 0;
        littleEndian[31] &= 0x7f;
        var y = Mod(new BigInteger(littleEndian, isUnsigned: true, isBigEndian: false));

        // x² = (y² − 1) / (d y² + 1) = u / v. The candidate root is x = u v³ (u v⁷)^((p − 5) / 8).
        var y2 = y * y % P;
        var u = Mod(y2 - 1);
        var v = Mod((D * y2) + 1);
        var v3 = v * v % P * v % P;
        var v7 = v3 * v3 % P * v % P;
        var x = u * v3 % P * BigInteger.ModPow(u * v7 % P, (P - 5) / 8, P) % P;
        var vx2 = v * x % P * x % P;
        if (vx2 == u)
        {
            // x is a root.
        }
        else if (vx2 == Mod(-u))
        {
            x = x * SqrtMinusOne % P;
        }
        else
        {
            return false; // u / v is not a square: no x, not a point
        }
        return !(x.IsZero && signBit);
    }

    private static BigInteger Mod(BigInteger a)
    {
        var r = a % P;
        return r.Sign < 0 ? r + P : r;
    }
}

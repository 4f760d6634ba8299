using System.Security.Cryptography;
using System.Text;

namespace Earnest.Solana;

/// <summary>
/// Program-derived addresses: addresses a program signs for, with no private key. The address of seeds under a
/// program is SHA-256(seed₁ ‖ … ‖ seedₙ ‖ program id ‖ "ProgramDerivedAddress"), valid only when it is not a point
/// of Ed25519 (<see cref="Ed25519Curve"/>). <see cref="Find"/> appends a one-byte bump seed, trying 255, 254, … 1,
/// and takes the first that gives a valid address (the canonical bump).
/// </summary>
public static class ProgramAddress
{
    /// <summary>The most seeds, the bump included.</summary>
    public const int MaxSeeds = 16;

    /// <summary>The most bytes in one seed.</summary>
    public const int MaxSeedLength = 32;

    private static readonly byte[] Marker = Encoding.ASCII.GetBytes("ProgramDerivedAddress");

    /// <summary>The address of exactly these seeds under <paramref name="programId"/>.</summary>
    /// <exception cref="ArgumentException">Too many seeds, a seed too long, or the hash is a point of the curve.</exception>
    public static PublicKey Create(IReadOnlyList<byte[]> seeds, PublicKey programId)
    {
        var address = TryCreate(seeds, programId);
        return address ?? throw new ArgumentException(
            "These seeds give a point of Ed25519, which cannot be a program-derived address; use Find for a bump seed.",
            nameof(seeds));
    }

    /// <summary>
    /// The canonical program-derived address of the seeds under <paramref name="programId"/> and its bump seed: the
    /// first of 255, 254, … 1 that, appended to the seeds, gives an address off the curve.
    /// </summary>
    /// <exception cref="ArgumentException">More than 15 seeds, or a seed longer than 32 bytes.</exception>
    /// <exception cref="InvalidOperationException">No bump gives an address (probability about 2^-255).</exception>
    public static (PublicKey Address, byte Bump) Find(IReadOnlyList<byte[]> seeds, PublicKey programId)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var withBump = new List<byte[]>(seeds) { new byte[1] };
        for (var bump = 255; bump > 0; bump--)
        {
            withBump[^1] = [(byte)bump];
            if (TryCreate(withBump, programId) is { } address)
            {
                return (address, (byte)bump);
            }
        }
        throw new InvalidOperationException("No bump seed from 255 down to 1 gives an address off the curve.");
    }

    private static PublicKey? TryCreate(IReadOnlyList<byte[]> seeds, PublicKey programId)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(programId);
        if (seeds.Count > MaxSeeds)
        {
            throw new ArgumentException($"A program-derived address takes at most {MaxSeeds} seeds (the bump included); these are {seeds.Count}.",
                nameof(seeds));
        }
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = 0; i < seeds.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(seeds[i], nameof(seeds));
            if (seeds[i].Length > MaxSeedLength)
            {
                throw new ArgumentException($"Seed {i} has {seeds[i].Length} bytes; a seed has at most {MaxSeedLength}.",
                    nameof(seeds));
            }
            sha.AppendData(seeds[i]);
        }
        sha.AppendData(programId.Bytes);
        sha.AppendData(Marker);
        var hash = sha.GetHashAndReset();
        return Ed25519Curve.IsOnCurve(hash) ? null : PublicKey.FromBytes(hash);
    }
}

using System.Text;
using Earnest.Identity;
using Earnest.Solana;
using Earnest.Solana.Programs;
using Xunit;
using PublicKey = Earnest.Solana.PublicKey;
using Signature = Earnest.Solana.Signature;

namespace Earnest.Tests.Solana;

/// <summary>
/// Addresses, keys, the curve check and program-derived addresses. The derivation vectors are the Solana SDK's own
/// (its create_program_address tests, under BPFLoaderUpgradeab1e…) and a published associated token account; the
/// bump-seed vectors were derived by @solana/kit's getProgramDerivedAddress.
/// </summary>
public sealed class AddressTests
{
    private static readonly PublicKey Loader = PublicKey.Parse("BPFLoaderUpgradeab1e11111111111111111111111");

    [Fact]
    public void an_address_round_trips_between_text_and_bytes()
    {
        var token = PublicKey.Parse("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
        Assert.Equal("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", token.ToString());
        Assert.Equal(token, PublicKey.FromBytes(token.Bytes));
        Assert.Equal(new byte[32], SystemProgram.Id.ToArray()); // 32 ones in base58 are 32 zero bytes
        Assert.NotEqual(token, AssociatedTokenProgram.Id);
    }

    [Theory]
    [InlineData("", "the text is empty")]
    [InlineData("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D0", "'0' at position 42, which is not in the base58 alphabet")]
    [InlineData("Tokenkeg QfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "' ' at position 8")]
    [InlineData("abc", "has 32 bytes; 'abc' decodes to 3")]
    [InlineData("111", "has 32 bytes; '111' decodes to 3")]
    [InlineData("11111111111111111111111111111111111111111111111111", "at most 45 characters); this text has 50")]
    [InlineData("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DAA", "decodes to 33")]
    public void text_that_is_not_an_address_is_refused_with_the_reason(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => PublicKey.Parse(text));
        Assert.StartsWith("A public key ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void bytes_of_the_wrong_length_are_refused()
    {
        Assert.Contains("these are 31", Assert.Throws<ArgumentException>(() => PublicKey.FromBytes(new byte[31])).Message,
            StringComparison.Ordinal);
        Assert.Contains("these are 32", Assert.Throws<ArgumentException>(() => Signature.FromBytes(new byte[32])).Message,
            StringComparison.Ordinal);
        Assert.Contains("has 64 bytes; 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA' decodes to 32",
            Assert.Throws<FormatException>(() => Signature.Parse("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")).Message,
            StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => Blockhash.Parse("not base58 0"));
        Assert.Throws<ArgumentException>(() => Keypair.FromSeed(new byte[31]));
    }

    [Fact]
    public void a_keypair_from_a_seed_has_the_address_of_earnests_wallet_key_for_that_seed()
    {
        var seed = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        using var keypair = Keypair.FromSeed(seed);
        using var wallet = WalletKey.FromSeed(seed);
        Assert.Equal(wallet.Address, keypair.PublicKey.ToString());
        var signature = keypair.Sign("message"u8);
        Assert.True(Ed25519.Verify(wallet.PublicKey, "message"u8, signature.Bytes));
        Assert.Equal(signature, Signature.Parse(signature.ToString()));
    }

    [Fact]
    public void wallet_keys_are_on_the_curve_and_program_derived_addresses_are_not()
    {
        Assert.True(PublicKey.Parse("3h1zGmCwsRJnVk5BuRNMLsPaQu1y2aqXqXDWYCgrp5UG").IsOnCurve); // a wallet
        Assert.False(PublicKey.Parse("3uetDDizgTtadDHZzyy9BqxrjQcozMEkxzbKhfZF4tG3").IsOnCurve); // its USDC account
        for (byte i = 0; i < 20; i++)
        {
            using var key = Keypair.FromSeed(Enumerable.Repeat(i, 32).ToArray());
            Assert.True(key.PublicKey.IsOnCurve);
        }
        // y = 1 is the neutral point (x = 0); with the sign bit set it names x = −0, which RFC 8032 refuses.
        var neutral = new byte[32];
        neutral[0] = 1;
        Assert.True(Ed25519Curve.IsOnCurve(neutral));
        neutral[31] = 0x80;
        Assert.False(Ed25519Curve.IsOnCurve(neutral));
        Assert.Throws<ArgumentException>(() => Ed25519Curve.IsOnCurve(new byte[33]));
    }

    [Fact]
    public void program_addresses_match_the_solana_sdk_vectors()
    {
        var seedPubkey = PublicKey.Parse("SeedPubey1111111111111111111111111111111111");
        Assert.Equal("BwqrghZA2htAcqq8dzP1WDAhTXYTYWj7CHxF5j7TDBAe",
            ProgramAddress.Create([[], [1]], Loader).ToString());
        Assert.Equal("13yWmRpaTR4r5nAktwLqMpRNr28tnVUZw26rTvPSSB19",
            ProgramAddress.Create([Encoding.UTF8.GetBytes("☉"), [0]], Loader).ToString());
        Assert.Equal("2fnQrngrQT4SeLcdToJAD96phoEjNL2man2kfRLCASVk",
            ProgramAddress.Create(["Talking"u8.ToArray(), "Squirrels"u8.ToArray()], Loader).ToString());
        Assert.Equal("976ymqVnfE32QFe6NfGDctSvVa36LWnvYxhU6G2232YL",
            ProgramAddress.Create([seedPubkey.ToArray(), [1]], Loader).ToString());
        Assert.NotEqual(ProgramAddress.Create(["Talking"u8.ToArray(), "Squirrels"u8.ToArray()], Loader),
            ProgramAddress.Create(["Talking"u8.ToArray()], Loader));
    }

    [Fact]
    public void find_takes_the_first_bump_from_255_down_whose_address_is_off_the_curve()
    {
        var (lilBits, bump) = ProgramAddress.Find(["Lil"u8.ToArray(), "Bits"u8.ToArray()], Loader);
        Assert.Equal(("5UkTw9cib2gLTgfG8APHJxgJKHffr2P5kV86qogEfwLW", (byte)255), (lilBits.ToString(), bump));

        // Four zero bytes with bump 255 hash to a point of the curve, so that bump is skipped for 254.
        var error = Assert.Throws<ArgumentException>(() => ProgramAddress.Create([new byte[4], [255]], Loader));
        Assert.Contains("point of Ed25519", error.Message, StringComparison.Ordinal);
        var (zeros, zerosBump) = ProgramAddress.Find([new byte[4]], Loader);
        Assert.Equal(("96qWcGQ7ozX7JEmu2m6oGhFBqQDpkQo3LhPSD2kZpJ8i", (byte)254), (zeros.ToString(), zerosBump));
        Assert.Equal(zeros, ProgramAddress.Create([new byte[4], [254]], Loader));
    }

    [Fact]
    public void the_associated_token_account_of_a_known_wallet_and_mint_is_the_published_one()
    {
        var owner = PublicKey.Parse("3h1zGmCwsRJnVk5BuRNMLsPaQu1y2aqXqXDWYCgrp5UG");
        var usdc = PublicKey.Parse("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
        var (ata, bump) = AssociatedTokenProgram.Find(owner, usdc);
        Assert.Equal("3uetDDizgTtadDHZzyy9BqxrjQcozMEkxzbKhfZF4tG3", ata.ToString());
        Assert.Equal(255, bump);
        Assert.Equal(ata, ProgramAddress.Create([owner.ToArray(), TokenProgram.Id.ToArray(), usdc.ToArray(), [bump]],
            AssociatedTokenProgram.Id));
        Assert.NotEqual(ata, AssociatedTokenProgram.Address(usdc, owner)); // the seeds' order matters
    }

    [Fact]
    public void seeds_beyond_the_limits_are_refused()
    {
        var tooLong = Assert.Throws<ArgumentException>(() => ProgramAddress.Find([new byte[1], new byte[33]], Loader));
        Assert.Contains("Seed 1 has 33 bytes; a seed has at most 32", tooLong.Message, StringComparison.Ordinal);
        var tooMany = Assert.Throws<ArgumentException>(() =>
            ProgramAddress.Find(Enumerable.Range(0, 16).Select(_ => new byte[1]).ToList(), Loader));
        Assert.Contains("at most 16 seeds (the bump included); these are 17", tooMany.Message, StringComparison.Ordinal);
        ProgramAddress.Find(Enumerable.Range(0, 15).Select(_ => new byte[32]).ToList(), Loader); // at the limits
    }

    [Fact]
    public void addresses_of_one_class_sort_by_kits_collation_not_by_bytes_or_ordinal_text()
    {
        string[] sorted =
        [
            "1", "11", "2", "9", "a", "A", "ab", "aB", "Ab", "AB", "abc", "b", "B", "z", "Z", "zz",
        ];
        var shuffled = sorted.Reverse().ToList();
        shuffled.Sort(AddressOrder.Compare);
        Assert.Equal(sorted, shuffled);
        Assert.True(string.CompareOrdinal("B", "a") < 0); // ordinal order would put "B" first
        Assert.True(AddressOrder.Compare("B", "a") > 0);
    }
}

using System.Text;
using Earnest.Identity;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Identity;

public sealed class WalletKeyTests
{
    [Fact]
    public void address_is_base58_of_the_32_byte_public_key_and_parses_back()
    {
        using var key = WalletKey.Create();
        Assert.True(WalletAddress.TryParse(key.Address, out var publicKey, out _));
        Assert.Equal(key.PublicKey, publicKey);
        Assert.InRange(key.Address.Length, 32, 44);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0OIl")] // characters outside the base58 alphabet
    [InlineData("abc")] // decodes to too few bytes
    [InlineData("1111111111111111111111111111111111111111111111111111")] // too long
    public void malformed_addresses_are_refused_with_a_reason(string text)
    {
        Assert.False(WalletAddress.TryParse(text, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void secret_export_round_trips_to_the_same_key()
    {
        using var key = WalletKey.Create();
        using var again = WalletKey.Parse(key.ExportSecret());
        Assert.Equal(key.Address, again.Address);
        var signature = again.Sign("hello"u8);
        Assert.True(Ed25519.Verify(key.PublicKey, "hello"u8, signature));
    }

    [Fact]
    public void solana_cli_json_key_files_are_read()
    {
        using var key = WalletKey.Create();
        var secret = Base58Text.TryDecode(key.ExportSecret(), 200)!;
        var json = "[" + string.Join(",", secret) + "]";
        using var parsed = WalletKey.Parse(json);
        Assert.Equal(key.Address, parsed.Address);
    }

    [Fact]
    public void a_secret_whose_public_half_does_not_match_is_refused()
    {
        using var a = WalletKey.Create();
        using var b = WalletKey.Create();
        var secret = Base58Text.TryDecode(a.ExportSecret(), 200)!;
        b.PublicKey.CopyTo(secret, 32);
        Assert.Throws<FormatException>(() => WalletKey.Parse(Base58Text.Encode(secret)));
    }

    [Fact]
    public void a_signature_does_not_verify_for_other_bytes_or_another_key()
    {
        using var key = WalletKey.Create();
        using var other = WalletKey.Create();
        var signature = key.SignText("message");
        Assert.True(Ed25519.VerifyText(key.Address, "message", signature));
        Assert.False(Ed25519.VerifyText(key.Address, "message.", signature));
        Assert.False(Ed25519.VerifyText(other.Address, "message", signature));
        Assert.False(Ed25519.VerifyText(key.Address, "message", "not-base58-0OIl"));
    }
}

public sealed class SignInTests
{
    private static async Task<(ChallengeView Challenge, WalletKey Key)> ChallengeAsync(TestNode t)
    {
        var key = WalletKey.Create();
        var challenge = (await t.Node.SignIn.ChallengeAsync(key.Address)).AssertOk();
        return (challenge, key);
    }

    [Fact]
    public async Task a_signed_challenge_gives_a_token_that_authenticates_the_address()
    {
        await using var t = await TestNode.StartAsync();
        var (challenge, key) = await ChallengeAsync(t);
        Assert.Contains(key.Address, challenge.Message, StringComparison.Ordinal);
        Assert.Contains("Nonce: ", challenge.Message, StringComparison.Ordinal);
        var token = (await t.Node.SignIn.TokenAsync(key.Address, challenge.Message, key.SignText(challenge.Message)))
            .AssertOk();
        Assert.Equal(key.Address, t.Node.SignIn.Authenticate(token.Token));
        Assert.Null(t.Node.SignIn.Authenticate(token.Token + "x"));
    }

    [Fact]
    public async Task a_challenge_signs_in_once_only()
    {
        await using var t = await TestNode.StartAsync();
        var (challenge, key) = await ChallengeAsync(t);
        var signature = key.SignText(challenge.Message);
        (await t.Node.SignIn.TokenAsync(key.Address, challenge.Message, signature)).AssertOk();
        (await t.Node.SignIn.TokenAsync(key.Address, challenge.Message, signature)).AssertFails(Failure.Unauthorized);
    }

    [Fact]
    public async Task a_forged_signature_is_refused_and_does_not_burn_the_challenge()
    {
        await using var t = await TestNode.StartAsync();
        var (challenge, key) = await ChallengeAsync(t);
        using var forger = WalletKey.Create();
        (await t.Node.SignIn.TokenAsync(key.Address, challenge.Message, forger.SignText(challenge.Message)))
            .AssertFails(Failure.Unauthorized);
        (await t.Node.SignIn.TokenAsync(key.Address, challenge.Message, key.SignText(challenge.Message))).AssertOk();
    }

    [Fact]
    public async Task an_expired_challenge_is_refused()
    {
        await using var t = await TestNode.StartAsync();
        var (challenge, key) = await ChallengeAsync(t);
        t.Time.Advance(t.Node.Options.ChallengeLifetime + TimeSpan.FromSeconds(1));
        (await t.Node.SignIn.TokenAsync(key.Address, challenge.Message, key.SignText(challenge.Message)))
            .AssertFails(Failure.Unauthorized);
    }

    [Fact]
    public async Task a_challenge_cannot_sign_in_another_address()
    {
        await using var t = await TestNode.StartAsync();
        var (challenge, _) = await ChallengeAsync(t);
        using var other = WalletKey.Create();
        (await t.Node.SignIn.TokenAsync(other.Address, challenge.Message, other.SignText(challenge.Message)))
            .AssertFails(Failure.Unauthorized);
    }

    [Fact]
    public async Task tokens_expire_and_api_keys_do_not()
    {
        await using var t = await TestNode.StartAsync();
        var (challenge, key) = await ChallengeAsync(t);
        var token = (await t.Node.SignIn.TokenAsync(key.Address, challenge.Message, key.SignText(challenge.Message)))
            .AssertOk();
        var apiKey = await t.Node.SignIn.CreateApiKeyAsync(key.Address);
        t.Time.Advance(t.Node.Options.TokenLifetime + TimeSpan.FromMinutes(1));
        Assert.Null(t.Node.SignIn.Authenticate(token.Token));
        Assert.Equal(key.Address, t.Node.SignIn.Authenticate(apiKey));
    }

    [Fact]
    public async Task secrets_are_stored_only_as_hashes()
    {
        await using var t = await TestNode.StartAsync();
        using var key = WalletKey.Create();
        var apiKey = await t.Node.SignIn.CreateApiKeyAsync(key.Address);
        var bytes = await File.ReadAllBytesAsync(((Earnest.Storage.SqliteDatabase)t.Node.Database).Path);
        var wal = ((Earnest.Storage.SqliteDatabase)t.Node.Database).Path + "-wal";
        var all = bytes.Concat(File.Exists(wal) ? await File.ReadAllBytesAsync(wal) : []).ToArray();
        Assert.DoesNotContain(apiKey, Encoding.Latin1.GetString(all), StringComparison.Ordinal);
    }
}

using System.Collections.Concurrent;
using Dapper;
using Earnest.Storage;

namespace Earnest.Identity;

/// <summary>A challenge to sign.</summary>
public sealed record ChallengeView(string Message, DateTimeOffset ExpiresAt);

/// <summary>A bearer token.</summary>
public sealed record TokenView(string Token, DateTimeOffset ExpiresAt);

/// <summary>
/// Sign-in with a wallet: the server issues a one-time challenge, the wallet signs its exact UTF-8 bytes, the server
/// verifies and issues a bearer token. Tokens and API keys are stored only as SHA-256 hashes.
/// </summary>
public sealed class SignIn(Database database, TimeProvider time, EarnestOptions options)
{
    private const string SessionKind = "session";
    private const string ApiKeyKind = "api-key";

    /// <summary>Issues a challenge for an address.</summary>
    public async Task<Outcome<ChallengeView>> ChallengeAsync(string? address, CancellationToken ct = default)
    {
        if (!WalletAddress.TryParse(address, out _, out var error))
        {
            return Problem.Invalid(new Validation().Require(false, "address", error));
        }
        var challenge = SignInChallenge.Create(options.Domain, address!, time.GetUtcNow(), options.ChallengeLifetime);
        await database.WriteAsync(tx =>
        {
            // Expired challenges are swept as new ones arrive, so the table stays as small as the live ones.
            tx.Execute("DELETE FROM challenges WHERE expires_at < @now", new { now = tx.NowMicros });
            return tx.Execute(
                "INSERT INTO challenges(nonce, address, message, expires_at) VALUES (@nonce, @address, @message, @expires)",
                new
                {
                    nonce = challenge.Nonce, address, message = challenge.Message,
                    expires = Time.ToMicros(challenge.ExpiresAt),
                });
        }, ct).ConfigureAwait(false);
        return new ChallengeView(challenge.Message, challenge.ExpiresAt);
    }

    /// <summary>Exchanges a signed challenge for a token. A failed attempt changes nothing.</summary>
    public async Task<Outcome<TokenView>> TokenAsync(string? address, string? message, string? signature,
        CancellationToken ct = default)
    {
        var validation = new Validation()
            .Require(WalletAddress.IsValid(address), "address", "An address is base58 of a 32-byte public key.")
            .Require(!string.IsNullOrEmpty(message) && message.Length <= 2_000, "message",
                "The message is the challenge text, at most 2,000 characters.")
            .Require(!string.IsNullOrEmpty(signature) && signature.Length <= 100, "signature",
                "The signature is base58 of 64 bytes.");
        if (!validation.IsValid)
        {
            return Problem.Invalid(validation);
        }
        var nonce = SignInChallenge.ReadNonce(message!);
        if (nonce is null)
        {
            return Problem.Of(Failure.Unauthorized, "The message is not a challenge issued by this server.");
        }
        return await database.WriteAsync<Outcome<TokenView>>(tx =>
        {
            var row = tx.QuerySingleOrDefault<(string Address, string Message, long ExpiresAt, long? UsedAt)>(
                "SELECT address, message, expires_at, used_at FROM challenges WHERE nonce = @nonce", new { nonce });
            if (row.Message is null || row.Address != address || row.Message != message)
            {
                return Problem.Of(Failure.Unauthorized, "The message is not a challenge issued to this address.");
            }
            if (row.UsedAt is not null)
            {
                return Problem.Of(Failure.Unauthorized, "This challenge was used before; ask for a new one.");
            }
            if (row.ExpiresAt <= tx.NowMicros)
            {
                return Problem.Of(Failure.Unauthorized, "This challenge has expired; ask for a new one.");
            }
            if (!Ed25519.VerifyText(address!, message!, signature!))
            {
                return Problem.Of(Failure.Unauthorized,
                    "The signature does not verify over the exact UTF-8 bytes of the message.");
            }
            tx.Execute("UPDATE challenges SET used_at = @now WHERE nonce = @nonce", new { now = tx.NowMicros, nonce });
            var token = Secrets.Create("et_");
            var expires = Time.FromMicros(tx.NowMicros) + options.TokenLifetime;
            Store(tx, token, address!, SessionKind, Time.ToMicros(expires));
            return new TokenView(token, expires);
        }, ct).ConfigureAwait(false);
    }

    /// <summary>Creates an API key for the account: a bearer token that does not expire.</summary>
    public Task<string> CreateApiKeyAsync(string address, CancellationToken ct = default)
    {
        var key = Secrets.Create("ek_");
        return database.WriteAsync(tx =>
        {
            Store(tx, key, address, ApiKeyKind, null);
            return key;
        }, ct);
    }

    /// <summary>Credentials remembered after their first check, at most this many (then forgotten all at once).</summary>
    public const int MaxRememberedCredentials = 200_000;

    // Credentials are never changed or revoked once stored, so a remembered one cannot go stale; its expiry is still
    // checked on every use. Every request carries one, so this saves a database read per request.
    private readonly ConcurrentDictionary<string, (string Address, long? ExpiresAt)> _remembered = new(StringComparer.Ordinal);

    /// <summary>The account a bearer token or API key belongs to, or null when it is unknown or expired.</summary>
    public string? Authenticate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200)
        {
            return null;
        }
        var hash = Secrets.Hash(token);
        var key = Convert.ToHexString(hash);
        var now = Time.ToMicros(time.GetUtcNow());
        if (!_remembered.TryGetValue(key, out var known))
        {
            var row = database.Read(c => c.QuerySingleOrDefault<(string Address, long? ExpiresAt)?>(
                "SELECT address, expires_at FROM credentials WHERE hash = @hash", new { hash }));
            if (row is null)
            {
                return null;
            }
            known = row.Value;
            if (_remembered.Count >= MaxRememberedCredentials)
            {
                _remembered.Clear();
            }
            _remembered[key] = known;
        }
        return known.ExpiresAt is null || known.ExpiresAt > now ? known.Address : null;
    }

    private static void Store(StoreTx tx, string secret, string address, string kind, long? expiresAt) =>
        tx.Execute("""
            INSERT INTO credentials(hash, address, kind, created_at, expires_at)
            VALUES (@hash, @address, @kind, @now, @expiresAt)
            """, new { hash = Secrets.Hash(secret), address, kind, now = tx.NowMicros, expiresAt });
}

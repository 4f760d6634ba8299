using System.Text.Json;
using Earnest.Identity;

namespace Earnest.Ledger;

/// <summary>A token kind. Amounts of it are <c>long</c> base units; <see cref="Decimals"/> says where the point is.</summary>
public sealed record Asset(string Symbol, int Decimals, string Issuer)
{
    /// <summary>Base units in one whole unit of the asset.</summary>
    public long OneUnit => checked((long)Math.Pow(10, Decimals));
}

/// <summary>Names of system accounts, which are not wallet addresses.</summary>
public static class SystemAccounts
{
    /// <summary>The account whose (negative) balance is the asset's issued supply.</summary>
    public static string Issuance(string asset) => "issuance:" + asset;

    /// <summary>A campaign's escrow.</summary>
    public static string Escrow(string campaignId) => "escrow:" + campaignId;

    /// <summary>True for an issuance account, the only kind whose balance may go negative.</summary>
    public static bool IsIssuance(string account) => account.StartsWith("issuance:", StringComparison.Ordinal);
}

/// <summary>What a transfer is for; part of the signed payload.</summary>
public static class TransferKinds
{
    /// <summary>Newly issued tokens (the dev-network faucet).</summary>
    public const string Mint = "mint";
    /// <summary>A requester's budget moving into a campaign's escrow.</summary>
    public const string Fund = "fund";
    /// <summary>Escrow paying a contributor for an accepted submission.</summary>
    public const string Payout = "payout";
    /// <summary>Unspent escrow returning to the requester.</summary>
    public const string Refund = "refund";
}

/// <summary>An immutable double-entry movement of <see cref="Amount"/> base units from Debit to Credit.</summary>
public sealed record Transfer(string Id, string Debit, string Credit, string Asset, long Amount, long TimestampMicros,
    string Kind, string? Ref)
{
    /// <summary>The server time of the transfer.</summary>
    public DateTimeOffset Timestamp => Time.FromMicros(TimestampMicros);

    /// <summary>
    /// The exact bytes the network signs: UTF-8 JSON, no whitespace, keys in this fixed order:
    /// id, debit, credit, asset, amount, timestamp, kind, ref.
    /// </summary>
    public byte[] Payload()
    {
        using var buffer = new MemoryStream(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", Id);
            json.WriteString("debit", Debit);
            json.WriteString("credit", Credit);
            json.WriteString("asset", Asset);
            json.WriteNumber("amount", Amount);
            json.WriteString("timestamp", Time.Format(Timestamp));
            json.WriteString("kind", Kind);
            if (Ref is null)
            {
                json.WriteNull("ref");
            }
            else
            {
                json.WriteString("ref", Ref);
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}

/// <summary>A request to move funds; the ledger assigns the timestamp.</summary>
public sealed record TransferRequest(string Id, string Debit, string Credit, string Asset, long Amount, string Kind,
    string? Ref);

/// <summary>
/// The outcome of posting a transfer. Checks run in the order listed (the precedence): the first that fails is the
/// answer, and every outcome but <see cref="Ok"/> changes nothing.
/// </summary>
public enum TransferResult
{
    /// <summary>Posted.</summary>
    Ok,
    /// <summary>The id is empty, too long, or has characters outside [A-Za-z0-9:_.-].</summary>
    IdInvalid,
    /// <summary>The amount is zero or negative.</summary>
    AmountMustBePositive,
    /// <summary>Debit and credit are the same account.</summary>
    AccountsMustDiffer,
    /// <summary>No such asset.</summary>
    AssetNotFound,
    /// <summary>A transfer with this id and the same fields exists: a retry, answered with the original.</summary>
    Exists,
    /// <summary>A transfer with this id exists with other fields.</summary>
    ExistsWithDifferentFields,
    /// <summary>The debit account's balance is below the amount.</summary>
    InsufficientFunds,
}

/// <summary>
/// Proof of a transfer that needs no trust in the server showing it: the signed payload, the network's signature over
/// it and the network's key.
/// </summary>
/// <param name="Payload">Base64 of the exact signed bytes (see <see cref="Transfer.Payload"/>).</param>
/// <param name="Signature">Base58 Ed25519 signature over the payload bytes.</param>
/// <param name="Signer">Base58 public key of the network.</param>
public sealed record Receipt(string Payload, string Signature, string Signer)
{
    /// <summary>Checks a receipt offline; answers null when it verifies, else the reason it does not.</summary>
    public string? Verify(string? expectedSigner)
    {
        if (expectedSigner is not null && !string.Equals(expectedSigner, Signer, StringComparison.Ordinal))
        {
            return $"signed by {Signer}, not by the expected network key {expectedSigner}";
        }
        byte[] payload;
        try
        {
            payload = Convert.FromBase64String(Payload);
        }
        catch (FormatException)
        {
            return "the payload is not base64";
        }
        if (!WalletAddress.TryParse(Signer, out var signer, out _))
        {
            return "the signer is not a base58 public key";
        }
        var signature = Base58Text.TryDecode(Signature, 100);
        if (signature is null || !Ed25519.Verify(signer, payload, signature))
        {
            return "the signature does not verify over the payload";
        }
        return null;
    }
}

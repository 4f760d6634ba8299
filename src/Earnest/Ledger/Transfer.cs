using System.Buffers;
using System.Text.Json;
using Earnest.Identity;

namespace Earnest.Ledger;

/// <summary>
/// A token kind. Amounts of it are <c>long</c> base units; <see cref="Decimals"/> says where the point is;
/// <see cref="MaxSupply"/> (base units) caps what may ever be minted, null for no cap.
/// </summary>
public sealed record Asset(string Symbol, int Decimals, string Issuer, long? MaxSupply = null)
{
    /// <summary>Base units in one whole unit of the asset.</summary>
    public long OneUnit
    {
        get
        {
            var unit = 1L;
            for (var i = 0; i < Decimals; i++)
            {
                unit = checked(unit * 10);
            }
            return unit;
        }
    }

    /// <summary>
    /// The exact bytes the network signs to record the asset's terms: UTF-8 JSON, no whitespace, keys in this order:
    /// symbol, decimals, maxSupply (number or null), issuer, createdAt.
    /// </summary>
    public byte[] Payload(long createdAtMicros)
    {
        using var buffer = new MemoryStream(160);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("symbol", Symbol);
            json.WriteNumber("decimals", Decimals);
            if (MaxSupply is { } max)
            {
                json.WriteNumber("maxSupply", max);
            }
            else
            {
                json.WriteNull("maxSupply");
            }
            json.WriteString("issuer", Issuer);
            json.WriteString("createdAt", Time.Format(Time.FromMicros(createdAtMicros)));
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}

/// <summary>Names of system accounts, which are not wallet addresses.</summary>
public static class SystemAccounts
{
    /// <summary>The account whose (negative) balance is the asset's issued supply.</summary>
    public static string Issuance(string asset) => "issuance:" + asset;

    /// <summary>A campaign's escrow.</summary>
    public static string Escrow(string campaignId) => "escrow:" + campaignId;

    /// <summary>
    /// An asset's withdrawals in flight to Solana: a withdrawal moves the amount here from its owner; it leaves for
    /// the issuance account once the transfer on chain is final, or goes back to the owner if it definitively failed.
    /// </summary>
    public static string Settlement(string asset) => "settlement:" + asset;

    /// <summary>True for an issuance account, the only kind whose balance may go negative.</summary>
    public static bool IsIssuance(string account) => account.StartsWith("issuance:", StringComparison.Ordinal);
}

/// <summary>What a transfer is for; part of the signed payload.</summary>
public static class TransferKinds
{
    /// <summary>Newly issued tokens (an issuer's mint, or the dev-network faucet).</summary>
    public const string Mint = "mint";
    /// <summary>A requester's budget moving into a campaign's escrow.</summary>
    public const string Fund = "fund";
    /// <summary>Escrow paying a contributor for an accepted submission.</summary>
    public const string Payout = "payout";
    /// <summary>Unspent escrow returning to the requester.</summary>
    public const string Refund = "refund";
    /// <summary>An owner's withdrawal to Solana moving into the asset's settlement account (<c>withdraw:&lt;id&gt;</c>).</summary>
    public const string Withdraw = "withdraw";
    /// <summary>
    /// A withdrawal final on chain: the tokens left the ledger, so they leave the settlement account for the issuance
    /// account and the ledger's supply shrinks by them (<c>settle:&lt;id&gt;</c>).
    /// </summary>
    public const string Settle = "settle";
    /// <summary>A withdrawal whose transaction definitively failed, back to its owner (<c>return:&lt;id&gt;</c>).</summary>
    public const string Return = "return";
    /// <summary>
    /// Tokens received on chain credited to the requester who asked for the deposit reference, from the issuance
    /// account (<c>deposit:&lt;signature&gt;</c>: a transaction is credited at most once).
    /// </summary>
    public const string Deposit = "deposit";
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
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var json = t_writer ??= new Utf8JsonWriter(buffer);
        json.Reset(buffer);
        Span<byte> timestamp = stackalloc byte[32];
        var length = Time.FormatUtf8(Timestamp, timestamp);
        json.WriteStartObject();
        json.WriteString("id", Id);
        json.WriteString("debit", Debit);
        json.WriteString("credit", Credit);
        json.WriteString("asset", Asset);
        json.WriteNumber("amount", Amount);
        json.WriteString("timestamp", timestamp[..length]);
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
        json.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a transfer back from its payload; null when the bytes are not a transfer record with every field. (It
    /// does not insist on the exact form: a caller that must, compares <see cref="Payload()"/> of the result.)
    /// </summary>
    public static Transfer? TryParse(ReadOnlySpan<byte> payload)
    {
        string? id = null, debit = null, credit = null, asset = null, kind = null, reference = null;
        long? amount = null, timestamp = null;
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = reader.ValueTextEquals("id"u8) ? 0
                    : reader.ValueTextEquals("debit"u8) ? 1
                    : reader.ValueTextEquals("credit"u8) ? 2
                    : reader.ValueTextEquals("asset"u8) ? 3
                    : reader.ValueTextEquals("amount"u8) ? 4
                    : reader.ValueTextEquals("timestamp"u8) ? 5
                    : reader.ValueTextEquals("kind"u8) ? 6
                    : reader.ValueTextEquals("ref"u8) ? 7
                    : -1;
                if (field < 0 || !reader.Read())
                {
                    return null;
                }
                switch (field)
                {
                    case 0: id = reader.GetString(); break;
                    case 1: debit = reader.GetString(); break;
                    case 2: credit = reader.GetString(); break;
                    case 3: asset = reader.GetString(); break;
                    case 4: amount = reader.GetInt64(); break;
                    case 5: timestamp = Time.ToMicros(reader.GetDateTimeOffset()); break;
                    case 6: kind = reader.GetString(); break;
                    default: reference = reader.TokenType == JsonTokenType.Null ? null : reader.GetString(); break;
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
        return id is null || debit is null || credit is null || asset is null || kind is null || amount is null ||
               timestamp is null
            ? null
            : new Transfer(id, debit, credit, asset, amount.Value, timestamp.Value, kind, reference);
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;
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
    /// <summary>A mint would take the asset's supply above its maximum.</summary>
    ExceedsMaxSupply,
}

/// <summary>
/// Proof of a transfer that needs no trust in the server showing it: the signed payload, the network's signature over
/// it and the network's key; once its block is sealed (at the commit that acknowledged it), also the signed block
/// header and the Merkle audit path from the payload to the header's root.
/// </summary>
/// <param name="Payload">Base64 of the exact signed bytes (see <see cref="Transfer.Payload"/>).</param>
/// <param name="Signature">Base58 Ed25519 signature over the payload bytes.</param>
/// <param name="Signer">Base58 public key of the network.</param>
public sealed record Receipt(string Payload, string Signature, string Signer)
{
    /// <summary>The signed header of the block holding the transfer.</summary>
    public ReceiptBlock? Block { get; init; }

    /// <summary>The Merkle audit path from the payload to the block's root.</summary>
    public MerkleProof? Proof { get; init; }

    /// <summary>
    /// Checks a receipt offline; answers null when it verifies, else the reason it does not. With
    /// <paramref name="requireProof"/> a receipt without a block and proof does not verify.
    /// </summary>
    public string? Verify(string? expectedSigner, bool requireProof = false)
    {
        if (expectedSigner is not null && !string.Equals(expectedSigner, Signer, StringComparison.Ordinal))
        {
            return $"signed by {Signer}, not by the expected network key {expectedSigner}";
        }
        if (!TryBase64(Payload, out var payload))
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
        if (Block is null && Proof is null)
        {
            return requireProof ? "the receipt has no block and Merkle proof" : null;
        }
        return VerifyProof(signer, payload);
    }

    private string? VerifyProof(byte[] signer, byte[] payload)
    {
        if (Block is null || Proof is null)
        {
            return "the receipt has a block without a proof, or a proof without a block";
        }
        if (Block.Signature is null || Proof.Path is null)
        {
            return "the receipt's block has no signature or its proof has no path";
        }
        if (!TryBase64(Block.Header, out var headerBytes) || BlockHeader.TryDecode(headerBytes) is not { } header)
        {
            return "the block header is not a version-1 header";
        }
        if (header.Height != Block.Height)
        {
            return $"the receipt names block {Block.Height} but the header is block {header.Height}";
        }
        var blockSignature = Base58Text.TryDecode(Block.Signature, 100);
        if (blockSignature is null || !Ed25519.Verify(signer, headerBytes, blockSignature))
        {
            return $"the signature of block {header.Height} does not verify over its header";
        }
        if (Proof.Size != header.Count)
        {
            return $"the proof is for a block of {Proof.Size} transfers but block {header.Height} has {header.Count}";
        }
        var path = new List<byte[]>(Proof.Path.Count);
        foreach (var step in Proof.Path)
        {
            if (!TryBase64(step, out var hash) || hash.Length != MerkleTree.HashSize)
            {
                return "a step of the Merkle path is not a base64 32-byte hash";
            }
            path.Add(hash);
        }
        return MerkleTree.VerifyInclusion(MerkleTree.LeafHash(payload), Proof.Index, Proof.Size, path, header.MerkleRoot)
            ? null
            : $"the Merkle path does not lead from the payload to the root of block {header.Height}";
    }

    private static bool TryBase64(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null)
        {
            return false;
        }
        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

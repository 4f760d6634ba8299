using System.Text.Json.Nodes;
using Earnest.Solana;
using Earnest.Solana.Programs;

namespace Earnest.Tests.Solana;

/// <summary>
/// An account as both sides name it: the address Earnest uses, and the JSON the reference script resolves itself —
/// a base58 address, or <c>{"ata":{"owner","mint"}}</c>, which @solana-program/token derives with its own
/// findAssociatedTokenPda (so equal bytes also prove the derivation).
/// </summary>
public sealed record KitAccount(PublicKey Key, JsonNode Json)
{
    public static KitAccount Of(PublicKey key) => new(key, JsonValue.Create(key.ToString()));

    public static KitAccount Of(Keypair key) => Of(key.PublicKey);

    public static KitAccount Ata(PublicKey owner, PublicKey mint) =>
        new(AssociatedTokenProgram.Address(owner, mint),
            new JsonObject { ["ata"] = new JsonObject { ["owner"] = owner.ToString(), ["mint"] = mint.ToString() } });

    public JsonNode ToJson() => Json.DeepClone();
}

/// <summary>One instruction, built by Earnest and described for the reference script.</summary>
public sealed record KitInstruction(Instruction Instruction, JsonObject Json)
{
    public static KitInstruction TransferChecked(KitAccount source, KitAccount mint, KitAccount destination,
        KitAccount authority, ulong amount, byte decimals, IReadOnlyList<KitAccount>? multisigSigners = null)
    {
        var members = multisigSigners ?? [];
        return new(TokenProgram.TransferChecked(source.Key, mint.Key, destination.Key, authority.Key, amount, decimals,
                members.Select(m => m.Key).ToList()),
            new JsonObject
            {
                ["type"] = "transferChecked",
                ["source"] = source.ToJson(),
                ["mint"] = mint.ToJson(),
                ["destination"] = destination.ToJson(),
                ["authority"] = authority.ToJson(),
                ["amount"] = amount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["decimals"] = decimals,
                ["multiSigners"] = new JsonArray([.. members.Select(m => m.ToJson())]),
            });
    }

    public static KitInstruction CreateIdempotent(KitAccount payer, KitAccount ata, KitAccount owner, KitAccount mint) =>
        new(AssociatedTokenProgram.CreateIdempotent(payer.Key, ata.Key, owner.Key, mint.Key),
            new JsonObject
            {
                ["type"] = "createAssociatedTokenIdempotent",
                ["payer"] = payer.ToJson(),
                ["ata"] = ata.ToJson(),
                ["owner"] = owner.ToJson(),
                ["mint"] = mint.ToJson(),
            });

    /// <summary>A memo for the SPL Memo program, which the reference script names explicitly.</summary>
    public static KitInstruction Memo(string text, params IReadOnlyList<KitAccount> signers) =>
        new(MemoProgram.Memo(text, signers.Select(s => s.Key)),
            new JsonObject
            {
                ["type"] = "memo",
                ["program"] = MemoProgram.Id.ToString(),
                ["text"] = text,
                ["signers"] = new JsonArray([.. signers.Select(s => s.ToJson())]),
            });

    /// <summary>A memo for the program @solana-program/memo targets by default (no program in the description).</summary>
    public static KitInstruction MemoV4(string text, params IReadOnlyList<KitAccount> signers) =>
        new(MemoProgram.Memo(MemoProgram.V4Id, text, signers.Select(s => s.Key)),
            new JsonObject
            {
                ["type"] = "memo",
                ["text"] = text,
                ["signers"] = new JsonArray([.. signers.Select(s => s.ToJson())]),
            });

    public static KitInstruction TransferSol(KitAccount source, KitAccount destination, ulong lamports) =>
        new(SystemProgram.Transfer(source.Key, destination.Key, lamports),
            new JsonObject
            {
                ["type"] = "transferSol",
                ["source"] = source.ToJson(),
                ["destination"] = destination.ToJson(),
                ["lamports"] = lamports.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });

    /// <summary>A raw instruction of any program with any account roles (the accounts may come from lookup tables).</summary>
    public static KitInstruction Raw(KitAccount program, IReadOnlyList<(KitAccount Account, bool Signer, bool Writable, (KitAccount Table, byte Index)? Lookup)> accounts,
        byte[] data)
    {
        var metas = accounts.Select(a => a.Lookup is { } slot
            ? AccountMeta.FromLookupTable(a.Account.Key, slot.Table.Key, slot.Index, a.Writable)
            : new AccountMeta(a.Account.Key, a.Signer, a.Writable));
        var json = new JsonArray();
        foreach (var a in accounts)
        {
            var meta = new JsonObject
            {
                ["address"] = a.Account.ToJson(),
                ["signer"] = a.Signer,
                ["writable"] = a.Writable,
            };
            if (a.Lookup is { } slot)
            {
                meta["lookup"] = new JsonObject { ["table"] = slot.Table.ToJson(), ["index"] = slot.Index };
            }
            json.Add(meta);
        }
        return new(new Instruction(program.Key, metas, data),
            new JsonObject
            {
                ["type"] = "raw",
                ["program"] = program.ToJson(),
                ["accounts"] = json,
                ["data"] = Convert.ToHexStringLower(data),
            });
    }
}

/// <summary>
/// A transaction of the corpus: its fee payer, blockhash, instructions and the keys that sign, which Earnest builds
/// (<see cref="BuildWithEarnest"/>) and the reference script builds from <see cref="ToJson"/>.
/// </summary>
public sealed class KitCase
{
    public required string Name { get; init; }
    public required MessageVersion Version { get; init; }
    public required PublicKey FeePayer { get; init; }
    public required Blockhash Blockhash { get; init; }
    public required IReadOnlyList<KitInstruction> Instructions { get; init; }

    /// <summary>The seeds of the keys that sign; a signer without a key here leaves its slot zero.</summary>
    public required IReadOnlyList<byte[]> SigningSeeds { get; init; }

    /// <summary>Earnest's signed transaction, or the exception that refused it.</summary>
    public (Transaction? Transaction, TransactionException? Refusal) BuildWithEarnest()
    {
        var keys = SigningSeeds.Select(seed => Keypair.FromSeed(seed)).ToList();
        try
        {
            var message = Message.Compile(Version, FeePayer, Blockhash, Instructions.Select(i => i.Instruction));
            return (new Transaction(message).Sign(keys), null);
        }
        catch (TransactionException e)
        {
            return (null, e);
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["version"] = Version == MessageVersion.Legacy ? JsonValue.Create("legacy") : JsonValue.Create(0),
        ["keys"] = new JsonArray([.. SigningSeeds.Select(s => JsonValue.Create(Convert.ToHexStringLower(s)))]),
        ["feePayer"] = FeePayer.ToString(),
        ["blockhash"] = Blockhash.ToString(),
        ["instructions"] = new JsonArray([.. Instructions.Select(i => i.Json.DeepClone())]),
    };
}

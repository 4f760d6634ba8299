using System.Globalization;
using System.Text.Json;

namespace Earnest.Solana.Rpc;

/// <summary>
/// Why a transaction failed, as a node writes it (the <c>err</c> of a status, a transaction's meta or a preflight
/// error): a name such as <c>"BlockhashNotFound"</c>, or an object such as
/// <c>{"InstructionError":[1,{"Custom":1}]}</c> — instruction 1 failed with its program's error 1 (for SPL Token,
/// insufficient funds).
/// </summary>
public sealed class TransactionError
{
    /// <summary>The name of a transaction whose blockhash the node does not know (expired or never seen).</summary>
    public const string BlockhashNotFound = "BlockhashNotFound";

    /// <summary>The name of a transaction the node has already processed (its signature is in the status cache).</summary>
    public const string AlreadyProcessed = "AlreadyProcessed";

    /// <summary>The name of an instruction's failure.</summary>
    public const string InstructionErrorKind = "InstructionError";

    private TransactionError(string kind, string json, int? instructionIndex, string? instructionError, uint? customCode)
    {
        Kind = kind;
        Json = json;
        InstructionIndex = instructionIndex;
        InstructionError = instructionError;
        CustomCode = customCode;
    }

    /// <summary>The error's name: <c>"BlockhashNotFound"</c>, <c>"InstructionError"</c>, <c>"InsufficientFundsForFee"</c>…</summary>
    public string Kind { get; }

    /// <summary>The error exactly as the node wrote it (JSON).</summary>
    public string Json { get; }

    /// <summary>For an instruction error, the index of the instruction that failed.</summary>
    public int? InstructionIndex { get; }

    /// <summary>For an instruction error, its name: <c>"Custom"</c> (a program's own error) or the runtime's (<c>"InsufficientFunds"</c>…).</summary>
    public string? InstructionError { get; }

    /// <summary>For a program's own error (<c>Custom</c>), its code; SPL Token's 1 is insufficient funds.</summary>
    public uint? CustomCode { get; }

    /// <summary>Reads a node's <c>err</c> value; null for JSON null.</summary>
    /// <exception cref="InvalidDataException">The value is neither a name nor an object naming the error.</exception>
    public static TransactionError? Parse(JsonElement err)
    {
        switch (err.ValueKind)
        {
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                return null;
            case JsonValueKind.String:
                return new TransactionError(err.GetString()!, err.GetRawText(), null, null, null);
            case JsonValueKind.Object:
                using (var properties = err.EnumerateObject())
                {
                    if (!properties.MoveNext())
                    {
                        break;
                    }
                    var first = properties.Current;
                    if (first.Name == InstructionErrorKind && first.Value.ValueKind == JsonValueKind.Array &&
                        first.Value.GetArrayLength() == 2 && first.Value[0].TryGetInt32(out var index))
                    {
                        var detail = first.Value[1];
                        return detail.ValueKind switch
                        {
                            JsonValueKind.String => new TransactionError(first.Name, err.GetRawText(), index, detail.GetString(), null),
                            JsonValueKind.Object when detail.TryGetProperty("Custom", out var code) && code.TryGetUInt32(out var custom) =>
                                new TransactionError(first.Name, err.GetRawText(), index, "Custom", custom),
                            JsonValueKind.Object => new TransactionError(first.Name, err.GetRawText(), index,
                                detail.EnumerateObject().Select(p => p.Name).FirstOrDefault(), null),
                            _ => new TransactionError(first.Name, err.GetRawText(), index, null, null),
                        };
                    }
                    return new TransactionError(first.Name, err.GetRawText(), null, null, null);
                }
            default:
                break;
        }
        throw new InvalidDataException($"A transaction error is a name or an object naming it; the node wrote {err.GetRawText()}.");
    }

    /// <summary>
    /// <c>BlockhashNotFound</c>, or <c>InstructionError: instruction 1 failed with Custom 1 (0x1)</c>.
    /// </summary>
    public override string ToString()
    {
        if (InstructionIndex is not { } index)
        {
            return Kind;
        }
        var detail = CustomCode is { } code
            ? string.Create(CultureInfo.InvariantCulture, $"Custom {code} (0x{code:x})")
            : InstructionError ?? Json;
        return string.Create(CultureInfo.InvariantCulture, $"{Kind}: instruction {index} failed with {detail}");
    }
}

using System.Text.Json;

namespace Earnest.Solana.Rpc;

/// <summary>
/// A value of a node's answer and its path (<c>getTransaction result.meta.fee</c>), so that an answer of the wrong
/// shape is refused naming the value that is wrong.
/// </summary>
internal readonly record struct RpcNode(JsonElement Element, string Path)
{
    public bool IsNull => Element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public RpcNode this[string name] =>
        Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out var value)
            ? new RpcNode(value, $"{Path}.{name}")
            : throw Malformed($"{Path}.{name} is missing");

    public RpcNode this[int index] =>
        Element.ValueKind == JsonValueKind.Array && index < Element.GetArrayLength()
            ? new RpcNode(Element[index], $"{Path}[{index}]")
            : throw Malformed($"{Path}[{index}] is missing");

    /// <summary>The property, or null when it is missing or JSON null.</summary>
    public RpcNode? Optional(string name) =>
        Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out var value) &&
        value.ValueKind != JsonValueKind.Null
            ? new RpcNode(value, $"{Path}.{name}")
            : null;

    public IEnumerable<RpcNode> Items()
    {
        if (Element.ValueKind != JsonValueKind.Array)
        {
            throw Malformed($"{Path} should be a list, not {Shown}");
        }
        var path = Path;
        return Element.EnumerateArray().Select((e, i) => new RpcNode(e, $"{path}[{i}]")).ToList();
    }

    public ulong UInt64() =>
        Element.ValueKind == JsonValueKind.Number && Element.TryGetUInt64(out var value)
            ? value
            : throw Malformed($"{Path} should be an integer from 0 to 2^64 - 1, not {Shown}");

    public long Int64() =>
        Element.ValueKind == JsonValueKind.Number && Element.TryGetInt64(out var value)
            ? value
            : throw Malformed($"{Path} should be a 64-bit integer, not {Shown}");

    public int Int32() =>
        Element.ValueKind == JsonValueKind.Number && Element.TryGetInt32(out var value)
            ? value
            : throw Malformed($"{Path} should be a 32-bit integer, not {Shown}");

    public bool Boolean() =>
        Element.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? Element.GetBoolean()
            : throw Malformed($"{Path} should be true or false, not {Shown}");

    public string String() =>
        Element.ValueKind == JsonValueKind.String
            ? Element.GetString()!
            : throw Malformed($"{Path} should be text, not {Shown}");

    /// <summary>A text holding an unsigned integer (token amounts are written as text: they may exceed 2^53).</summary>
    public ulong UInt64Text() =>
        ulong.TryParse(String(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Malformed($"{Path} should be an unsigned integer written as text, not {Shown}");

    public PublicKey PublicKey() => Parse(global::Earnest.Solana.PublicKey.Parse);

    public Signature Signature() => Parse(global::Earnest.Solana.Signature.Parse);

    public Blockhash Blockhash() => Parse(global::Earnest.Solana.Blockhash.Parse);

    /// <summary>Base58 data of any length (instruction data).</summary>
    public byte[] Base58Data() => Parse(Base58.DecodeData);

    public TransactionError? TransactionError()
    {
        try
        {
            return Rpc.TransactionError.Parse(Element);
        }
        catch (InvalidDataException e)
        {
            throw Malformed($"{Path}: {e.Message}");
        }
    }

    private T Parse<T>(Func<string, T> parse)
    {
        var text = String();
        try
        {
            return parse(text);
        }
        catch (FormatException e)
        {
            throw Malformed($"{Path}: {e.Message}");
        }
    }

    private string Shown => Element.ValueKind == JsonValueKind.Undefined ? "nothing" : Truncate(Element.GetRawText());

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";

    public static InvalidDataException Malformed(string detail) =>
        new($"The node's answer is not what the Solana JSON-RPC API specifies: {detail}.");
}

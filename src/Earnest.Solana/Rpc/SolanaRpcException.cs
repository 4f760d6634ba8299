using System.Globalization;
using System.Text.Json;

namespace Earnest.Solana.Rpc;

/// <summary>
/// A node answered a call with a JSON-RPC error: a definitive answer, which the client does not retry (except -32005,
/// a node that is behind). A failed preflight of sendTransaction is code -32002 with the transaction's error and its
/// program logs; the message names the error and the logs' error lines, e.g.
/// <c>sendTransaction failed: JSON-RPC error -32002: Transaction simulation failed: Error processing Instruction 0:
/// custom program error: 0x1 [InstructionError: instruction 0 failed with Custom 1 (0x1)] (Program log: Error:
/// insufficient funds)</c>.
/// </summary>
public sealed class SolanaRpcException : Exception
{
    /// <summary>sendTransaction's preflight failed (the transaction's error and logs are in the data).</summary>
    public const int SendTransactionPreflightFailure = -32002;

    /// <summary>sendTransaction: a signature does not verify.</summary>
    public const int TransactionSignatureVerificationFailure = -32003;

    /// <summary>The node is behind or unhealthy; worth asking again.</summary>
    public const int NodeUnhealthy = -32005;

    /// <summary>The parameters are not valid (also: a transaction that cannot be decoded).</summary>
    public const int InvalidParams = -32602;

    /// <summary>A JSON-RPC error of <paramref name="method"/>.</summary>
    public SolanaRpcException(string method, int code, string rpcMessage, JsonElement? data)
        : base(Describe(method, code, rpcMessage, data, out var error, out var logs))
    {
        Method = method;
        Code = code;
        RpcMessage = rpcMessage;
        ErrorData = data?.ValueKind is JsonValueKind.Undefined or null ? null : data.Value.GetRawText();
        TransactionError = error;
        Logs = logs;
    }

    /// <summary>An exception with a message only (serialization and tooling).</summary>
    public SolanaRpcException(string message) : base(message)
    {
        Method = "";
        RpcMessage = message;
        Logs = [];
    }

    /// <summary>An exception with no message (serialization and tooling).</summary>
    public SolanaRpcException() : this("A Solana JSON-RPC call failed.")
    {
    }

    /// <summary>An exception with a message and its cause (serialization and tooling).</summary>
    public SolanaRpcException(string message, Exception innerException) : base(message, innerException)
    {
        Method = "";
        RpcMessage = message;
        Logs = [];
    }

    /// <summary>The method called.</summary>
    public string Method { get; }

    /// <summary>The JSON-RPC error code.</summary>
    public int Code { get; }

    /// <summary>The node's message.</summary>
    public string RpcMessage { get; }

    /// <summary>The error's <c>data</c> as JSON, when the node sent any.</summary>
    public string? ErrorData { get; }

    /// <summary>The transaction's error (<c>data.err</c>) for a failed preflight, else null.</summary>
    public TransactionError? TransactionError { get; }

    /// <summary>The program logs of a failed preflight (<c>data.logs</c>); empty otherwise.</summary>
    public IReadOnlyList<string> Logs { get; }

    /// <summary>The node does not know the transaction's blockhash: it expired (or is from another cluster).</summary>
    public bool IsBlockhashNotFound => TransactionError?.Kind == TransactionError.BlockhashNotFound;

    private static string Describe(string method, int code, string rpcMessage, JsonElement? data,
        out TransactionError? error, out IReadOnlyList<string> logs)
    {
        error = null;
        logs = [];
        if (data is { ValueKind: JsonValueKind.Object } d)
        {
            if (d.TryGetProperty("err", out var err))
            {
                error = TransactionError.Parse(err);
            }
            if (d.TryGetProperty("logs", out var lines) && lines.ValueKind == JsonValueKind.Array)
            {
                logs = [.. lines.EnumerateArray().Where(l => l.ValueKind == JsonValueKind.String).Select(l => l.GetString()!)];
            }
        }
        var text = string.Create(CultureInfo.InvariantCulture, $"{method} failed: JSON-RPC error {code}: {rpcMessage}");
        if (error is not null)
        {
            text += $" [{error}]";
        }
        var errorLines = logs.Where(IsErrorLine).ToList();
        if (errorLines.Count > 0)
        {
            text += $" ({string.Join("; ", errorLines)})";
        }
        return text;
    }

    // "Program log: Error: insufficient funds"; the runtime's own "Program … failed: …" repeats the error code.
    private static bool IsErrorLine(string line) =>
        line.StartsWith("Program log: Error", StringComparison.Ordinal) ||
        line.StartsWith("Program log: error", StringComparison.Ordinal);
}

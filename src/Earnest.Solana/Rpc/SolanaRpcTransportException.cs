using System.Net;

namespace Earnest.Solana.Rpc;

/// <summary>
/// No JSON-RPC answer came: the connection failed, the request timed out, or the server answered an HTTP error status
/// (429 and 5xx after every attempt; any other status at once). For sendTransaction the outcome is then unknown: the
/// transaction may or may not have reached the cluster, and its signature's status is what tells.
/// </summary>
public sealed class SolanaRpcTransportException : Exception
{
    /// <summary>A failure of <paramref name="method"/> after <paramref name="attempts"/> attempts.</summary>
    public SolanaRpcTransportException(string method, int attempts, HttpStatusCode? statusCode, string message,
        Exception? innerException)
        : base(message, innerException)
    {
        Method = method;
        Attempts = attempts;
        StatusCode = statusCode;
    }

    /// <summary>An exception with a message only (serialization and tooling).</summary>
    public SolanaRpcTransportException(string message) : base(message)
    {
        Method = "";
    }

    /// <summary>An exception with no message (serialization and tooling).</summary>
    public SolanaRpcTransportException() : this("A Solana JSON-RPC request got no answer.")
    {
    }

    /// <summary>An exception with a message and its cause (serialization and tooling).</summary>
    public SolanaRpcTransportException(string message, Exception innerException) : base(message, innerException)
    {
        Method = "";
    }

    /// <summary>The method called.</summary>
    public string Method { get; }

    /// <summary>How many requests were made.</summary>
    public int Attempts { get; }

    /// <summary>The last HTTP status, when the server answered one.</summary>
    public HttpStatusCode? StatusCode { get; }
}

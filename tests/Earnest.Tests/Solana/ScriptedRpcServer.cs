using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Earnest.Tests.Solana;

/// <summary>
/// A real HTTP server on a loopback port (HttpListener) that answers each request with the next step of a script —
/// an HTTP status, a JSON-RPC result or error, a wait — and records what it was asked. It tests how the RPC client
/// behaves when a node fails; a real node (<see cref="LiteSvmFixture"/>) tests everything else.
/// </summary>
public sealed class ScriptedRpcServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<int, JsonObject, Task<Reply>> _script;
    private readonly List<JsonObject> _requests = [];
    private readonly Task _loop;

    /// <summary>A server answering request number n (from 0) with <paramref name="script"/>(n, request).</summary>
    public ScriptedRpcServer(Func<int, JsonObject, Task<Reply>> script)
    {
        _script = script;
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                _listener.Start();
                Url = new Uri($"http://127.0.0.1:{port}/");
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Another process took the port between the probe and the start; try another.
            }
        }
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>A server answering request number n with <paramref name="script"/>(n, request).</summary>
    public ScriptedRpcServer(Func<int, JsonObject, Reply> script) : this((n, r) => Task.FromResult(script(n, r)))
    {
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>The requests received so far.</summary>
    public IReadOnlyList<JsonObject> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>An HTTP status with a body.</summary>
    public static Reply Status(int status, string body = "", string? retryAfter = null) => new(status, body, retryAfter);

    /// <summary>A JSON-RPC result answering <paramref name="request"/>.</summary>
    public static Reply Result(JsonObject request, JsonNode? result) =>
        new(200, new JsonObject { ["jsonrpc"] = "2.0", ["result"] = result, ["id"] = request["id"]!.DeepClone() }.ToJsonString(), null);

    /// <summary>A JSON-RPC error answering <paramref name="request"/>.</summary>
    public static Reply Error(JsonObject request, int code, string message, JsonNode? data = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (data is not null)
        {
            error["data"] = data;
        }
        return new Reply(200, new JsonObject { ["jsonrpc"] = "2.0", ["error"] = error, ["id"] = request["id"]!.DeepClone() }.ToJsonString(), null);
    }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was closed under a pending accept.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var request = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
            int number;
            lock (_requests)
            {
                number = _requests.Count;
                _requests.Add(request);
            }
            var reply = await _script(number, request);
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = "application/json";
            if (reply.RetryAfter is not null)
            {
                context.Response.Headers["Retry-After"] = reply.RetryAfter;
            }
            var bytes = Encoding.UTF8.GetBytes(reply.Body);
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // The client gave up on this request (a timeout test) or the server is closing.
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>One answer: an HTTP status, a body, an optional Retry-After header.</summary>
    public sealed record Reply(int Status, string Body, string? RetryAfter);
}

using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Earnest.Solana;
using Earnest.Solana.Rpc;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Earnest.Tests.Solana.ScriptedRpcServer;

namespace Earnest.Tests.Solana;

/// <summary>
/// How the RPC client behaves when a node fails, against a real HTTP server on loopback that follows a script: what
/// it retries (transport failures, timeouts, 429, 5xx, a node that is behind), what it never retries (a JSON-RPC
/// error, another HTTP error), how long it waits (on the injected clock), and the errors it raises.
/// </summary>
public sealed class SolanaRpcClientTests : IDisposable
{
    private static readonly SolanaRpcOptions Quick = new() { InitialBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(20) };
    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task a_503_is_retried_until_the_node_answers()
    {
        using var server = new ScriptedRpcServer((n, request) => n < 2 ? Status(503, "busy") : Result(request, Balance(42)));
        var client = new SolanaRpcClient(_http, server.Url, Quick);

        Assert.Equal(42UL, await client.GetBalanceAsync(Key.PublicKey));

        Assert.Equal(3, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Equal("getBalance", r["method"]!.GetValue<string>()));
        Assert.Single(server.Requests.Select(r => r["id"]!.GetValue<long>()).Distinct()); // the same request again
        var parameters = server.Requests[0]["params"]!.AsArray();
        Assert.Equal(Key.PublicKey.ToString(), parameters[0]!.GetValue<string>());
        Assert.Equal("finalized", parameters[1]!["commitment"]!.GetValue<string>());
    }

    [Fact]
    public async Task a_json_rpc_error_is_answered_at_once_with_its_code_message_error_and_logs()
    {
        using var server = new ScriptedRpcServer((_, request) => Error(request, -32002,
            "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1",
            new JsonObject
            {
                ["err"] = new JsonObject { ["InstructionError"] = new JsonArray(0, new JsonObject { ["Custom"] = 1 }) },
                ["logs"] = new JsonArray("Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA invoke [1]",
                    "Program log: Error: insufficient funds",
                    "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA failed: custom program error: 0x1"),
            }));
        var client = new SolanaRpcClient(_http, server.Url, Quick);

        var error = await Assert.ThrowsAsync<SolanaRpcException>(() => client.SendTransactionAsync(SignedTransaction()));

        Assert.Single(server.Requests);
        Assert.Equal(-32002, error.Code);
        Assert.Equal("sendTransaction", error.Method);
        Assert.Equal(0, error.TransactionError!.InstructionIndex);
        Assert.Equal(1u, error.TransactionError.CustomCode);
        Assert.Equal(3, error.Logs.Count);
        Assert.Equal(
            "sendTransaction failed: JSON-RPC error -32002: Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1 [InstructionError: instruction 0 failed with Custom 1 (0x1)] (Program log: Error: insufficient funds)",
            error.Message);
        var config = server.Requests[0]["params"]![1]!;
        Assert.Equal("base64", config["encoding"]!.GetValue<string>());
        Assert.False(config["skipPreflight"]!.GetValue<bool>());
    }

    [Fact]
    public async Task an_already_processed_transaction_answers_its_signature()
    {
        var transaction = SignedTransaction();
        using var server = new ScriptedRpcServer((_, request) => Error(request, -32002,
            "Transaction simulation failed: This transaction has already been processed",
            new JsonObject { ["err"] = "AlreadyProcessed", ["logs"] = new JsonArray() }));
        var client = new SolanaRpcClient(_http, server.Url, Quick);

        Assert.Equal(transaction.Id, await client.SendTransactionAsync(transaction));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task a_node_that_is_behind_is_asked_again()
    {
        using var server = new ScriptedRpcServer((n, request) => n == 0
            ? Error(request, -32005, "Node is behind by 42 slots", new JsonObject { ["numSlotsBehind"] = 42 })
            : Result(request, Balance(7)));
        var client = new SolanaRpcClient(_http, server.Url, Quick);

        Assert.Equal(7UL, await client.GetBalanceAsync(Key.PublicKey));
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task a_429_is_retried_after_the_wait_it_asks_for()
    {
        using var server = new ScriptedRpcServer((n, request) => n == 0 ? Status(429, "slow down", retryAfter: "1") : Result(request, 9));
        var client = new SolanaRpcClient(_http, server.Url, Quick with { MaxBackoff = TimeSpan.FromSeconds(2) });
        var watch = System.Diagnostics.Stopwatch.StartNew();

        Assert.Equal(9UL, await client.GetBlockHeightAsync());

        Assert.Equal(2, server.Requests.Count);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"the retry came after {watch.Elapsed}, before the 1 s asked for");
    }

    [Fact]
    public async Task the_client_gives_up_after_its_attempts_naming_the_method_the_attempts_and_the_status()
    {
        using var server = new ScriptedRpcServer((_, _) => Status(502, "bad gateway"));
        var client = new SolanaRpcClient(_http, server.Url, Quick with { MaxAttempts = 3 });

        var error = await Assert.ThrowsAsync<SolanaRpcTransportException>(() => client.GetLatestBlockhashAsync());

        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(3, error.Attempts);
        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Equal($"getLatestBlockhash to {server.Url} failed after 3 attempts: HTTP 502 Bad Gateway", error.Message);
    }

    [Fact]
    public async Task an_http_error_that_is_not_transient_is_not_retried()
    {
        using var server = new ScriptedRpcServer((_, _) => Status(401, "{\"error\":\"missing API key\"}"));
        var client = new SolanaRpcClient(_http, server.Url, Quick);

        var error = await Assert.ThrowsAsync<SolanaRpcTransportException>(() => client.GetBlockHeightAsync());

        Assert.Single(server.Requests);
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("missing API key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_request_that_takes_too_long_times_out_and_is_retried()
    {
        using var server = new ScriptedRpcServer(async (n, request) =>
        {
            if (n == 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(20));
            }
            return Result(request, 3);
        });
        var client = new SolanaRpcClient(_http, server.Url, Quick with { RequestTimeout = TimeSpan.FromSeconds(2) });

        Assert.Equal(3UL, await client.GetBlockHeightAsync());
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task a_refused_connection_is_retried_and_then_reported()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var client = new SolanaRpcClient(_http, new Uri($"http://127.0.0.1:{port}/"), Quick with { MaxAttempts = 2 });

        var error = await Assert.ThrowsAsync<SolanaRpcTransportException>(() => client.GetBlockHeightAsync());

        Assert.Equal(2, error.Attempts);
        Assert.Null(error.StatusCode);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task the_wait_between_attempts_runs_on_the_injected_clock()
    {
        using var server = new ScriptedRpcServer((n, request) => n == 0 ? Status(503) : Result(request, 5));
        var clock = new FakeTimeProvider();
        var options = new SolanaRpcOptions { InitialBackoff = TimeSpan.FromSeconds(10), MaxBackoff = TimeSpan.FromSeconds(10) };
        var client = new SolanaRpcClient(_http, server.Url, options, clock);

        var call = client.GetBlockHeightAsync();
        // The first wait is drawn between 5 and 10 s. Move the clock a second at a time: no retry may come before 5 s
        // have passed on it (however long the test takes in real time), and one must come by 10 s or so.
        var advanced = TimeSpan.Zero;
        while (!call.IsCompleted && advanced < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50);
            if (server.Requests.Count >= 2)
            {
                break;
            }
            Assert.Single(server.Requests);
            clock.Advance(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
        }

        Assert.Equal(5UL, await call);
        Assert.Equal(2, server.Requests.Count);
        Assert.True(advanced >= TimeSpan.FromSeconds(5), $"the client retried after {advanced} on its clock; the least wait is 5 s");
    }

    [Fact]
    public async Task an_answer_of_the_wrong_shape_is_refused_naming_the_value()
    {
        using var server = new ScriptedRpcServer((_, request) => Result(request, new JsonObject
        {
            ["context"] = new JsonObject { ["slot"] = 1 },
            ["value"] = new JsonObject { ["blockhash"] = "not base58 0OIl", ["lastValidBlockHeight"] = 10 },
        }));
        var client = new SolanaRpcClient(_http, server.Url, Quick);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => client.GetLatestBlockhashAsync());

        Assert.Contains("getLatestBlockhash result.value.blockhash", error.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task statuses_are_read_in_order_with_null_for_unknown_signatures()
    {
        var known = Signature.FromBytes(Enumerable.Repeat((byte)7, 64).ToArray());
        var unknown = Signature.FromBytes(Enumerable.Repeat((byte)8, 64).ToArray());
        using var server = new ScriptedRpcServer((_, request) => Result(request, new JsonObject
        {
            ["context"] = new JsonObject { ["slot"] = 99 },
            ["value"] = new JsonArray(
                new JsonObject
                {
                    ["slot"] = 98, ["confirmations"] = null, ["err"] = "BlockhashNotFound",
                    ["status"] = new JsonObject { ["Err"] = "BlockhashNotFound" }, ["confirmationStatus"] = "finalized",
                },
                null),
        }));
        var client = new SolanaRpcClient(_http, server.Url, Quick);

        var statuses = await client.GetSignatureStatusesAsync([known, unknown]);

        Assert.Equal(2, statuses.Count);
        Assert.Equal(98UL, statuses[0]!.Slot);
        Assert.Equal(TransactionError.BlockhashNotFound, statuses[0]!.Error!.Kind);
        Assert.Equal(Commitment.Finalized, statuses[0]!.ConfirmationStatus);
        Assert.Null(statuses[1]);
        var asked = server.Requests[0]["params"]![0]!.AsArray().Select(s => s!.GetValue<string>());
        Assert.Equal([known.ToString(), unknown.ToString()], asked);
    }

    private static Keypair Key { get; } = Keypair.FromSeed(Enumerable.Repeat((byte)77, 32).ToArray());

    private static JsonObject Balance(ulong lamports) =>
        new() { ["context"] = new JsonObject { ["slot"] = 1 }, ["value"] = lamports };

    private static Transaction SignedTransaction() =>
        new Transaction(Message.Compile(MessageVersion.Legacy, Key.PublicKey, Blockhash.FromBytes(new byte[32]),
            [Earnest.Solana.Programs.MemoProgram.Memo("test")])).Sign(Key);
}

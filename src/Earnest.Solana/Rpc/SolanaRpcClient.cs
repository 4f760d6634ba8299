using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Earnest.Solana.Rpc;

/// <summary>
/// A client of a Solana node's JSON-RPC 2.0 API over HTTP: the calls settlement needs, with typed results.
/// <para>
/// Every request has its own timeout (<see cref="SolanaRpcOptions.RequestTimeout"/>). Transport failures (a refused or
/// broken connection, a timeout) and HTTP 429 and 5xx answers are retried with exponential backoff and jitter, up to
/// <see cref="SolanaRpcOptions.MaxAttempts"/> attempts, then surface as <see cref="SolanaRpcTransportException"/>. A
/// JSON-RPC error is the node's definitive answer and surfaces at once as <see cref="SolanaRpcException"/>, except
/// -32005 (the node is behind), which is retried like a 503. Retrying sendTransaction is safe: the signature is the
/// transaction's id, so the cluster processes the same signed bytes at most once.
/// </para>
/// </summary>
public sealed class SolanaRpcClient
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly SolanaRpcOptions _options;
    private readonly TimeProvider _time;
    private long _nextId;

    /// <summary>A client of the node at <paramref name="endpoint"/>.</summary>
    /// <param name="http">The HTTP client (its own Timeout should be longer than the request timeout, or infinite).</param>
    /// <param name="endpoint">The node's JSON-RPC URL.</param>
    /// <param name="options">Commitment, timeout and retries; the defaults when null.</param>
    /// <param name="timeProvider">The clock of the timeouts and of the waits between attempts; the system's when null.</param>
    public SolanaRpcClient(HttpClient http, Uri endpoint, SolanaRpcOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(endpoint);
        _options = options ?? new SolanaRpcOptions();
        _options.Validate();
        _http = http;
        _endpoint = endpoint;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The settings in use.</summary>
    public SolanaRpcOptions Options => _options;

    /// <summary>The blockhash to sign a new transaction over and the last block height it is valid for.</summary>
    public async Task<LatestBlockhash> GetLatestBlockhashAsync(Commitment? commitment = null, CancellationToken ct = default) =>
        LatestBlockhash.From(await InvokeAsync("getLatestBlockhash", [Config(commitment)], ct).ConfigureAwait(false));

    /// <summary>The cluster's current block height (compare with <see cref="LatestBlockhash.LastValidBlockHeight"/>).</summary>
    public async Task<ulong> GetBlockHeightAsync(Commitment? commitment = null, CancellationToken ct = default) =>
        (await InvokeAsync("getBlockHeight", [Config(commitment)], ct).ConfigureAwait(false)).UInt64();

    /// <summary>Whether a transaction signed over <paramref name="blockhash"/> can still land.</summary>
    public async Task<bool> IsBlockhashValidAsync(Blockhash blockhash, Commitment? commitment = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(blockhash);
        var result = await InvokeAsync("isBlockhashValid", [blockhash.ToString(), Config(commitment)], ct).ConfigureAwait(false);
        return result["value"].Boolean();
    }

    /// <summary>
    /// Sends a signed wire transaction (base64) and returns its signature. By default the node first simulates it
    /// (preflight) at the client's commitment and refuses one that would fail, with the error and the program logs
    /// (<see cref="SolanaRpcException"/>, code -32002); nothing lands then, and no fee is paid. A signature answered
    /// here means the node accepted the transaction, not that it landed: confirm it with
    /// <see cref="GetSignatureStatusesAsync"/>. Sending bytes the cluster has already processed (a retry, a
    /// rebroadcast) answers their signature too, rather than the node's "already processed" error.
    /// </summary>
    /// <exception cref="ArgumentException">The bytes are not a signed transaction's wire form.</exception>
    /// <exception cref="SolanaRpcException">The node refused it: the preflight failed, a signature does not verify, the blockhash is unknown…</exception>
    /// <exception cref="SolanaRpcTransportException">No answer; whether it reached the cluster is unknown.</exception>
    public async Task<Signature> SendTransactionAsync(byte[] wire, bool skipPreflight = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(wire);
        var signature = FirstSignature(wire);
        var config = new JsonObject
        {
            ["encoding"] = "base64",
            ["skipPreflight"] = skipPreflight,
            ["preflightCommitment"] = _options.Commitment.ToRpcName(),
        };
        RpcNode result;
        try
        {
            result = await InvokeAsync("sendTransaction", [Convert.ToBase64String(wire), config], ct).ConfigureAwait(false);
        }
        catch (SolanaRpcException e) when (e.TransactionError?.Kind == TransactionError.AlreadyProcessed)
        {
            return signature;
        }
        var answered = result.Signature();
        return answered.Equals(signature)
            ? answered
            : throw RpcNode.Malformed($"sendTransaction answered the signature {answered}, but the transaction's is {signature}");
    }

    /// <summary>Sends a signed transaction; see <see cref="SendTransactionAsync(byte[], bool, CancellationToken)"/>.</summary>
    public Task<Signature> SendTransactionAsync(Transaction transaction, bool skipPreflight = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction.IsFullySigned
            ? SendTransactionAsync(transaction.Serialize(), skipPreflight, ct)
            : throw new ArgumentException("The transaction is not fully signed; every signer must sign before it is sent.", nameof(transaction));
    }

    /// <summary>
    /// The statuses of signatures, in the same order; null for a signature the node does not know (not landed yet,
    /// dropped, or — without <paramref name="searchTransactionHistory"/> — older than its recent status cache).
    /// More than 256 signatures are asked in several calls.
    /// </summary>
    public async Task<IReadOnlyList<SignatureStatus?>> GetSignatureStatusesAsync(IReadOnlyList<Signature> signatures,
        bool searchTransactionHistory = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        const int perCall = 256;
        var statuses = new List<SignatureStatus?>(signatures.Count);
        for (var start = 0; start < signatures.Count; start += perCall)
        {
            var chunk = signatures.Skip(start).Take(perCall).ToList();
            var list = new JsonArray([.. chunk.Select(s => JsonValue.Create(s.ToString()))]);
            var result = await InvokeAsync("getSignatureStatuses",
                [list, new JsonObject { ["searchTransactionHistory"] = searchTransactionHistory }], ct).ConfigureAwait(false);
            var values = result["value"].Items().ToList();
            if (values.Count != chunk.Count)
            {
                throw RpcNode.Malformed($"getSignatureStatuses answered {values.Count} statuses for {chunk.Count} signatures");
            }
            statuses.AddRange(values.Select(v => v.IsNull ? null : SignatureStatus.From(v)));
        }
        return statuses;
    }

    /// <summary>
    /// A landed transaction (json encoding, versions up to 0), or null when the node does not know it. getTransaction
    /// answers at confirmed or finalized commitment only; a client set to processed asks at confirmed.
    /// </summary>
    public async Task<TransactionDetails?> GetTransactionAsync(Signature signature, Commitment? commitment = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var level = commitment ?? _options.Commitment;
        var config = new JsonObject
        {
            ["encoding"] = "json",
            ["maxSupportedTransactionVersion"] = 0,
            ["commitment"] = (level == Commitment.Processed ? Commitment.Confirmed : level).ToRpcName(),
        };
        var result = await InvokeAsync("getTransaction", [signature.ToString(), config], ct).ConfigureAwait(false);
        return result.IsNull ? null : TransactionDetails.From(result);
    }

    /// <summary>A token account's balance.</summary>
    /// <exception cref="SolanaRpcException">The account does not exist or is not a token account (-32602).</exception>
    public async Task<TokenAmount> GetTokenAccountBalanceAsync(PublicKey tokenAccount, Commitment? commitment = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tokenAccount);
        var result = await InvokeAsync("getTokenAccountBalance", [tokenAccount.ToString(), Config(commitment)], ct).ConfigureAwait(false);
        return TokenAmount.From(result["value"]);
    }

    /// <summary>An account's lamports (0 for an account that does not exist).</summary>
    public async Task<ulong> GetBalanceAsync(PublicKey account, Commitment? commitment = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        var result = await InvokeAsync("getBalance", [account.ToString(), Config(commitment)], ct).ConfigureAwait(false);
        return result["value"].UInt64();
    }

    /// <summary>An account (its data in base64), or null when it does not exist.</summary>
    public async Task<AccountInfo?> GetAccountInfoAsync(PublicKey account, Commitment? commitment = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        var config = Config(commitment);
        config["encoding"] = "base64";
        var result = await InvokeAsync("getAccountInfo", [account.ToString(), config], ct).ConfigureAwait(false);
        var value = result["value"];
        return value.IsNull ? null : AccountInfo.From(value);
    }

    /// <summary>The lamports an account of <paramref name="dataLength"/> bytes must hold to be rent-exempt (165 for a token account).</summary>
    public async Task<ulong> GetMinimumBalanceForRentExemptionAsync(int dataLength, Commitment? commitment = null,
        CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dataLength);
        return (await InvokeAsync("getMinimumBalanceForRentExemption", [dataLength, Config(commitment)], ct).ConfigureAwait(false)).UInt64();
    }

    /// <summary>
    /// The landed transactions that name <paramref name="address"/>, newest first: at most <paramref name="limit"/>
    /// (1 to 1000), older than <paramref name="before"/> and newer than <paramref name="until"/> when given. Page
    /// backwards with <paramref name="before"/> set to the last signature of the previous page.
    /// </summary>
    public async Task<IReadOnlyList<SignatureInfo>> GetSignaturesForAddressAsync(PublicKey address, int limit = 1000,
        Signature? before = null, Signature? until = null, Commitment? commitment = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        var level = commitment ?? _options.Commitment;
        var config = new JsonObject
        {
            ["limit"] = limit,
            ["commitment"] = (level == Commitment.Processed ? Commitment.Confirmed : level).ToRpcName(),
        };
        if (before is not null)
        {
            config["before"] = before.ToString();
        }
        if (until is not null)
        {
            config["until"] = until.ToString();
        }
        var result = await InvokeAsync("getSignaturesForAddress", [address.ToString(), config], ct).ConfigureAwait(false);
        return [.. result.Items().Select(SignatureInfo.From)];
    }

    /// <summary>
    /// Calls any method with the given parameters (a list, or an object for methods taking named parameters) and
    /// returns its <c>result</c>, with the same timeout and retries as the typed calls.
    /// </summary>
    /// <exception cref="SolanaRpcException">The node answered a JSON-RPC error.</exception>
    /// <exception cref="SolanaRpcTransportException">No answer after every attempt, or an HTTP error that is not retried.</exception>
    public async Task<JsonElement> CallAsync(string method, JsonNode? parameters, CancellationToken ct = default) =>
        (await RequestAsync(method, parameters ?? new JsonArray(), ct).ConfigureAwait(false)).Element;

    private Task<RpcNode> InvokeAsync(string method, JsonArray parameters, CancellationToken ct) =>
        RequestAsync(method, parameters, ct);

    private async Task<RpcNode> RequestAsync(string method, JsonNode parameters, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        var id = Interlocked.Increment(ref _nextId);
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters }
            .ToJsonString();
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await AttemptAsync(body, ct).ConfigureAwait(false);
            if (outcome.Body is { } answer)
            {
                var parsed = Parse(method, id, answer, out var error);
                if (parsed is { } result)
                {
                    return result;
                }
                if (error!.Code != SolanaRpcException.NodeUnhealthy || attempt >= _options.MaxAttempts)
                {
                    throw error;
                }
            }
            else if (!outcome.Retryable || attempt >= _options.MaxAttempts)
            {
                var tries = attempt == 1 ? "1 attempt" : $"{attempt} attempts";
                throw new SolanaRpcTransportException(method, attempt, outcome.Status,
                    $"{method} to {_endpoint} failed after {tries}: {outcome.Problem}", outcome.Exception);
            }
            await Task.Delay(Backoff.Delay(_options, attempt, outcome.RetryAfter), _time, ct).ConfigureAwait(false);
        }
    }

    private async Task<Attempt> AttemptAsync(string body, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint);
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token)
                .ConfigureAwait(false);
            var status = response.StatusCode;
            if (status == HttpStatusCode.TooManyRequests || (int)status >= 500)
            {
                return new Attempt(null, true, status, $"HTTP {(int)status} {response.ReasonPhrase}", null, RetryAfter(response));
            }
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
                return new Attempt(null, false, status,
                    $"HTTP {(int)status} {response.ReasonPhrase}{(text.Length > 0 ? ": " + Shorten(text) : "")}", null, null);
            }
            return new Attempt(await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false), false, status,
                "", null, null);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            return new Attempt(null, true, null,
                string.Create(CultureInfo.InvariantCulture, $"no answer within {_options.RequestTimeout.TotalSeconds:0.###} s"), e, null);
        }
        catch (HttpRequestException e)
        {
            return new Attempt(null, true, e.StatusCode, e.Message, e, null);
        }
        catch (IOException e)
        {
            // The connection broke while the answer was being read.
            return new Attempt(null, true, null, e.Message, e, null);
        }
    }

    private RpcNode? Parse(string method, long id, byte[] answer, out SolanaRpcException? error)
    {
        error = null;
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(answer);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{method} to {_endpoint}: the answer is not JSON ({e.Message}): {Shorten(Encoding.UTF8.GetString(answer))}", e);
        }
        var response = new RpcNode(root, method);
        if (response.Optional("id") is not { } answeredId || answeredId.Element.ValueKind != JsonValueKind.Number ||
            !answeredId.Element.TryGetInt64(out var number) || number != id)
        {
            throw RpcNode.Malformed($"{method} was asked with id {id}; the answer has id {response.Optional("id")?.Element.GetRawText() ?? "none"}");
        }
        if (response.Optional("error") is { } failure)
        {
            error = new SolanaRpcException(method, failure["code"].Int32(), failure["message"].String(),
                failure.Optional("data")?.Element);
            return null;
        }
        return root.TryGetProperty("result", out var result)
            ? new RpcNode(result, $"{method} result")
            : throw RpcNode.Malformed($"the answer to {method} has neither result nor error");
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }
        return header?.Date is { } date ? date - _time.GetUtcNow() : null;
    }

    private JsonObject Config(Commitment? commitment) =>
        new() { ["commitment"] = (commitment ?? _options.Commitment).ToRpcName() };

    private static Signature FirstSignature(byte[] wire)
    {
        // A transaction starts with the count of signatures (compact-u16; at most 12 fit a packet, so one byte), then
        // the signatures; the first is the fee payer's, the transaction's id.
        if (wire.Length < 1 + Signature.Length || wire[0] == 0 || wire[0] > 0x7f)
        {
            throw new ArgumentException(
                $"A wire transaction starts with its signature count (1 to 127) and the fee payer's 64-byte signature; these {wire.Length} bytes do not.",
                nameof(wire));
        }
        var signature = Signature.FromBytes(wire.AsSpan(1, Signature.Length));
        return signature.Bytes.IndexOfAnyExcept((byte)0) < 0
            ? throw new ArgumentException("The transaction's fee payer has not signed it (its signature is all zeros).", nameof(wire))
            : signature;
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private sealed record Attempt(byte[]? Body, bool Retryable, HttpStatusCode? Status, string Problem, Exception? Exception,
        TimeSpan? RetryAfter);
}

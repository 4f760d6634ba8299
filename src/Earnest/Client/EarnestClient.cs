using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Market;

namespace Earnest.Client;

/// <summary>A problem+json answer from the server.</summary>
public sealed class ApiException(HttpStatusCode status, string body)
    : Exception($"HTTP {(int)status}: {body}")
{
    /// <summary>The HTTP status.</summary>
    public HttpStatusCode Status { get; } = status;

    /// <summary>The response body (problem+json).</summary>
    public string Body { get; } = body;
}

/// <summary>
/// A typed client of the HTTP API (API.md) for programs written in .NET: the demo, the load generator, tests.
/// It signs in with a wallet key exactly as any other client would.
/// </summary>
public sealed class EarnestClient(HttpClient http)
{
    /// <summary>The JSON settings of the API.</summary>
    public static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { NumberHandling = JsonNumberHandling.Strict };
        json.Converters.Add(new UtcTimeConverter());
        return json;
    }

    /// <summary>The HTTP client (its BaseAddress is the server).</summary>
    public HttpClient Http { get; } = http;

    /// <summary>The signed-in address, once signed in.</summary>
    public string? Address { get; private set; }

    /// <summary>Signs in with a wallet key: challenge, sign, token. Later calls carry the token.</summary>
    public async Task SignInAsync(WalletKey key, CancellationToken ct = default)
    {
        var challenge = await PostAsync<ChallengeView>("/v1/auth/challenge", new { address = key.Address }, ct)
            .ConfigureAwait(false);
        var token = await PostAsync<TokenView>("/v1/auth/token", new
        {
            address = key.Address, message = challenge.Message, signature = key.SignText(challenge.Message),
        }, ct).ConfigureAwait(false);
        UseToken(token.Token);
        Address = key.Address;
    }

    /// <summary>Sends this bearer token (session token or API key) from now on.</summary>
    public void UseToken(string token) =>
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

    /// <summary>The network's receipt-signing key.</summary>
    public async Task<string> LedgerKeyAsync(CancellationToken ct = default) =>
        (await GetAsync<JsonElement>("/v1/ledger/key", ct).ConfigureAwait(false)).GetProperty("signer").GetString()!;

    /// <summary>Mints test tokens to the caller (dev network).</summary>
    public Task<PaymentView> FaucetAsync(long amount, CancellationToken ct = default) =>
        PostAsync<PaymentView>("/v1/faucet", new { amount }, ct);

    /// <summary>The caller's balances.</summary>
    /// <summary>The receipt of one of the caller's transfers, with its block and Merkle proof.</summary>
    public Task<Ledger.Receipt> ReceiptAsync(string transferId, CancellationToken ct = default) =>
        GetAsync<Ledger.Receipt>($"/v1/receipts/{Uri.EscapeDataString(transferId)}", ct);

    public Task<AccountView> AccountAsync(CancellationToken ct = default) => GetAsync<AccountView>("/v1/accounts/me", ct);

    /// <summary>The caller's transfers, newest first.</summary>
    public Task<List<TransferView>> TransfersAsync(string? after = null, int limit = 100, CancellationToken ct = default) =>
        GetAsync<List<TransferView>>($"/v1/accounts/me/transfers?limit={limit}" +
                                     (after is null ? "" : "&after=" + Uri.EscapeDataString(after)), ct);

    /// <summary>Creates a draft campaign.</summary>
    public Task<CampaignView> CreateCampaignAsync(CreateCampaign body, CancellationToken ct = default) =>
        PostAsync<CampaignView>("/v1/campaigns", body, ct);

    /// <summary>Adds tasks to a campaign.</summary>
    public Task<AddedTasks> AddTasksAsync(string campaignId, IEnumerable<object> tasks, CancellationToken ct = default) =>
        PostAsync<AddedTasks>($"/v1/campaigns/{campaignId}/tasks", new { tasks }, ct);

    /// <summary>Publishes a campaign (funds its escrow).</summary>
    public Task<Published> PublishAsync(string campaignId, CancellationToken ct = default) =>
        PostAsync<Published>($"/v1/campaigns/{campaignId}/publish", new { }, ct);

    /// <summary>A campaign's progress.</summary>
    public Task<CampaignView> CampaignAsync(string campaignId, CancellationToken ct = default) =>
        GetAsync<CampaignView>($"/v1/campaigns/{campaignId}", ct);

    /// <summary>A campaign's results.</summary>
    public Task<CampaignResults> ResultsAsync(string campaignId, CancellationToken ct = default) =>
        GetAsync<CampaignResults>($"/v1/campaigns/{campaignId}/results", ct);

    /// <summary>Closes a campaign and refunds its escrow.</summary>
    public Task<Closed> CloseAsync(string campaignId, CancellationToken ct = default) =>
        PostAsync<Closed>($"/v1/campaigns/{campaignId}/close", new { }, ct);

    /// <summary>Leases the next task, or null when there is none (204).</summary>
    public async Task<AssignmentView?> LeaseAsync(string? campaignId = null, CancellationToken ct = default)
    {
        using var response = await Http.PostAsJsonAsync("/v1/assignments", new { campaignId }, Json, ct)
            .ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }
        return await ReadAsync<AssignmentView>(response, ct).ConfigureAwait(false);
    }

    /// <summary>Asks for a withdrawal to a Solana wallet (202; a retry with the same id answers the original).</summary>
    public Task<Settlement.WithdrawalView> WithdrawAsync(string asset, long amount, string to, string id,
        CancellationToken ct = default) =>
        PostAsync<Settlement.WithdrawalView>("/v1/withdrawals", new { asset, amount, to, id }, ct);

    /// <summary>One of the caller's withdrawals.</summary>
    public Task<Settlement.WithdrawalView> WithdrawalAsync(string id, CancellationToken ct = default) =>
        GetAsync<Settlement.WithdrawalView>($"/v1/withdrawals/{Uri.EscapeDataString(id)}", ct);

    /// <summary>A new deposit reference and the address to pay, for an asset.</summary>
    public Task<Settlement.DepositAddressView> DepositAddressAsync(string asset, CancellationToken ct = default) =>
        PostAsync<Settlement.DepositAddressView>("/v1/deposits", new { asset }, ct);

    /// <summary>Submits an answer.</summary>
    public Task<SubmissionOutcome> SubmitAsync(string assignmentId, string answer, CancellationToken ct = default) =>
        PostAsync<SubmissionOutcome>($"/v1/assignments/{assignmentId}/submission", new { answer }, ct);

    /// <summary>GETs JSON, throwing <see cref="ApiException"/> on any non-success status.</summary>
    public async Task<T> GetAsync<T>(string path, CancellationToken ct = default)
    {
        using var response = await Http.GetAsync(path, ct).ConfigureAwait(false);
        return await ReadAsync<T>(response, ct).ConfigureAwait(false);
    }

    /// <summary>POSTs JSON, throwing <see cref="ApiException"/> on any non-success status.</summary>
    public async Task<T> PostAsync<T>(string path, object body, CancellationToken ct = default)
    {
        using var content = JsonContent.Create(body, body.GetType(), options: Json);
        using var response = await Http.PostAsync(path, content, ct).ConfigureAwait(false);
        return await ReadAsync<T>(response, ct).ConfigureAwait(false);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new ApiException(response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        }
        return (await response.Content.ReadFromJsonAsync<T>(Json, ct).ConfigureAwait(false))!;
    }
}

/// <summary>Writes times as ISO 8601 UTC with microseconds ("2026-11-24T19:55:48.531280Z"); reads any ISO 8601.</summary>
public sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc />
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset().ToUniversalTime();

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Time.Format(value));
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using Earnest.Client;
using Earnest.Identity;
using Earnest.Market;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Http;

/// <summary>
/// Bad input gets a precise 4xx problem+json and changes nothing. Each case compares a fingerprint of the whole
/// database (row counts and every balance) before and after.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private EarnestClient _requester = null!;
    private EarnestClient _contributor = null!;
    private string _campaignId = "";

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _requester = await _server.SignedInAsync();
        await _requester.FaucetAsync(50_000);
        var campaign = await _requester.CreateCampaignAsync(new CreateCampaign("Bad input", "", "classification",
            ["yes", "no"], 1_000, 20_000, 1, null));
        _campaignId = campaign.Id;
        await _requester.AddTasksAsync(_campaignId, [
            new { id = "g1", data = new { n = 1 }, gold = "yes" },
            new { id = "g2", data = new { n = 2 }, gold = "no" },
        ]);
        await _requester.PublishAsync(_campaignId);
        _contributor = await _server.SignedInAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Fingerprint() => Problems.Fingerprint(_server.Node, ["transfers", "balances", "campaigns", "tasks", "assignments", "submissions", "decisions", "credentials"],
        "SELECT id || ':' || status || ':' || task_count FROM campaigns ORDER BY id");

    private Task<JsonElement> ExpectProblemAsync(HttpStatusCode status, Func<Task<HttpResponseMessage>> send) =>
        Problems.ExpectAsync(status, send, Fingerprint);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private Task<HttpResponseMessage> Post(EarnestClient client, string path, string json) =>
        client.Http.PostAsync(path, Json(json));

    [Theory]
    [InlineData("{\"title\": \"x\",")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    public async Task malformed_json_is_400(string json) =>
        await ExpectProblemAsync(HttpStatusCode.BadRequest, () => Post(_requester, "/v1/campaigns", json));

    [Theory]
    [InlineData("{\"title\":\"x\",\"kind\":\"classification\",\"labels\":[\"a\",\"b\"],\"reward\":\"12\",\"budget\":100}")]
    [InlineData("{\"title\":\"x\",\"kind\":\"classification\",\"labels\":\"a,b\",\"reward\":1,\"budget\":100}")]
    [InlineData("{\"title\":\"x\",\"kind\":\"classification\",\"labels\":[\"a\",\"b\"],\"reward\":1.5,\"budget\":100}")]
    [InlineData("{\"title\":\"x\",\"kind\":\"classification\",\"labels\":[\"a\",\"b\"],\"reward\":1,\"budget\":100,\"bonus\":5}")]
    public async Task fields_of_the_wrong_type_and_unknown_fields_are_400(string json)
    {
        var problem = await ExpectProblemAsync(HttpStatusCode.BadRequest, () => Post(_requester, "/v1/campaigns", json));
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.True(detail.Contains("$.", StringComparison.Ordinal) || detail.Contains("'bonus'", StringComparison.Ordinal), detail);
    }

    [Theory]
    [InlineData("{\"amount\": -5}", HttpStatusCode.UnprocessableEntity)]
    [InlineData("{\"amount\": 0}", HttpStatusCode.UnprocessableEntity)]
    [InlineData("{\"amount\": 1000000001}", HttpStatusCode.UnprocessableEntity)]
    [InlineData("{\"amount\": 99999999999999999999}", HttpStatusCode.BadRequest)]
    [InlineData("{\"amount\": 9223372036854775808}", HttpStatusCode.BadRequest)]
    [InlineData("{}", HttpStatusCode.UnprocessableEntity)]
    public async Task negative_zero_capped_and_overflowing_faucet_amounts_are_refused(string json, HttpStatusCode status) =>
        await ExpectProblemAsync(status, () => Post(_requester, "/v1/faucet", json));

    [Theory]
    [InlineData("\"reward\":-1,\"budget\":100")]
    [InlineData("\"reward\":0,\"budget\":100")]
    [InlineData("\"reward\":100,\"budget\":50")]
    [InlineData("\"reward\":1,\"budget\":9223372036854775807,\"overlap\":0")]
    public async Task invalid_campaign_amounts_are_422_with_the_field_named(string amounts)
    {
        var json = "{\"title\":\"x\",\"kind\":\"classification\",\"labels\":[\"a\",\"b\"]," + amounts + "}";
        var problem = await ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, () => Post(_requester, "/v1/campaigns", json));
        Assert.True(problem.TryGetProperty("errors", out var errors));
        Assert.True(errors.EnumerateObject().Any());
    }

    [Fact]
    public async Task a_budget_larger_than_the_balance_is_409_at_publish()
    {
        var campaign = await _requester.CreateCampaignAsync(new CreateCampaign("Too big", "", "classification",
            ["a", "b"], 10, 1_000_000_000, 1, null));
        await _requester.AddTasksAsync(campaign.Id, [new { id = "t", data = new { } }]);
        await ExpectProblemAsync(HttpStatusCode.Conflict, () => Post(_requester, $"/v1/campaigns/{campaign.Id}/publish", "{}"));
    }

    [Fact]
    public async Task an_answer_outside_the_label_set_is_422_and_the_lease_stays_usable()
    {
        var lease = (await _contributor.LeaseAsync(_campaignId))!;
        await ExpectProblemAsync(HttpStatusCode.UnprocessableEntity,
            () => Post(_contributor, $"/v1/assignments/{lease.Id}/submission", "{\"answer\":\"maybe\"}"));
        await ExpectProblemAsync(HttpStatusCode.BadRequest,
            () => Post(_contributor, $"/v1/assignments/{lease.Id}/submission", "{\"answer\":7}"));
        var outcome = await _contributor.SubmitAsync(lease.Id, "yes");
        Assert.Contains(outcome.Status, new[] { "accepted", "rejected" });
    }

    [Fact]
    public async Task a_second_submission_is_409()
    {
        var lease = (await _contributor.LeaseAsync(_campaignId))!;
        await _contributor.SubmitAsync(lease.Id, "yes");
        await ExpectProblemAsync(HttpStatusCode.Conflict,
            () => Post(_contributor, $"/v1/assignments/{lease.Id}/submission", "{\"answer\":\"no\"}"));
    }

    [Fact]
    public async Task someone_elses_assignment_is_403_and_an_unknown_one_404()
    {
        var lease = (await _contributor.LeaseAsync(_campaignId))!;
        var other = await _server.SignedInAsync();
        await ExpectProblemAsync(HttpStatusCode.Forbidden,
            () => Post(other, $"/v1/assignments/{lease.Id}/submission", "{\"answer\":\"yes\"}"));
        await ExpectProblemAsync(HttpStatusCode.NotFound,
            () => Post(other, "/v1/assignments/asg_nope/submission", "{\"answer\":\"yes\"}"));
    }

    [Fact]
    public async Task another_requesters_campaign_is_404()
    {
        var other = await _server.SignedInAsync();
        await ExpectProblemAsync(HttpStatusCode.NotFound, () => other.Http.GetAsync($"/v1/campaigns/{_campaignId}"));
        await ExpectProblemAsync(HttpStatusCode.NotFound, () => Post(other, $"/v1/campaigns/{_campaignId}/close", "{}"));
        await ExpectProblemAsync(HttpStatusCode.NotFound, () => other.Http.GetAsync($"/v1/campaigns/{_campaignId}/results"));
    }

    [Fact]
    public async Task a_forged_signature_is_401()
    {
        using var key = WalletKey.Create();
        using var forger = WalletKey.Create();
        var http = _server.NewHttp();
        var challenge = await new EarnestClient(http).PostAsync<ChallengeView>("/v1/auth/challenge", new { address = key.Address });
        var body = JsonSerializer.Serialize(new { address = key.Address, message = challenge.Message, signature = forger.SignText(challenge.Message) });
        await ExpectProblemAsync(HttpStatusCode.Unauthorized, () => http.PostAsync("/v1/auth/token", Json(body)));
        var tampered = JsonSerializer.Serialize(new { address = key.Address, message = challenge.Message + " ", signature = key.SignText(challenge.Message + " ") });
        await ExpectProblemAsync(HttpStatusCode.Unauthorized, () => http.PostAsync("/v1/auth/token", Json(tampered)));
    }

    [Fact]
    public async Task a_replayed_sign_in_is_401()
    {
        using var key = WalletKey.Create();
        var http = _server.NewHttp();
        var challenge = await new EarnestClient(http).PostAsync<ChallengeView>("/v1/auth/challenge", new { address = key.Address });
        var body = JsonSerializer.Serialize(new { address = key.Address, message = challenge.Message, signature = key.SignText(challenge.Message) });
        using (var first = await http.PostAsync("/v1/auth/token", Json(body)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }
        await ExpectProblemAsync(HttpStatusCode.Unauthorized, () => http.PostAsync("/v1/auth/token", Json(body)));
    }

    [Theory]
    [InlineData("{\"address\":\"not-an-address\"}", HttpStatusCode.UnprocessableEntity)]
    [InlineData("{\"address\":12}", HttpStatusCode.BadRequest)]
    [InlineData("{}", HttpStatusCode.UnprocessableEntity)]
    public async Task a_bad_challenge_request_is_refused(string json, HttpStatusCode status) =>
        await ExpectProblemAsync(status, () => _server.NewHttp().PostAsync("/v1/auth/challenge", Json(json)));

    [Fact]
    public async Task an_oversized_body_is_413()
    {
        var big = "{\"address\":\"" + new string('1', 2 * 1024 * 1024) + "\"}";
        // Announced size: refused before the body is sent (the client waits for 100-continue, so no race with the
        // server closing the connection while the client still writes).
        var announced = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/challenge") { Content = Json(big) };
        announced.Headers.ExpectContinue = true;
        await ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, () => _server.NewHttp().SendAsync(announced));
        // Unannounced (chunked): refused once the limit is crossed. The server answers 413 and closes the connection;
        // a client still writing may see the connection reset instead of the answer. Either way nothing was taken,
        // and the server goes on serving.
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/challenge") { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big))) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        try
        {
            using var response = await _server.NewHttp().SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        catch (HttpRequestException)
        {
            // The reset: the refusal reached the client as a closed connection.
        }
        using var after = await _server.NewHttp().GetAsync("/v1/assets");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task too_many_tasks_in_one_request_is_422()
    {
        var tasks = string.Join(",", Enumerable.Range(0, 10_001).Select(i => $"{{\"id\":\"{i}\",\"data\":{{}}}}"));
        await ExpectProblemAsync(HttpStatusCode.UnprocessableEntity,
            () => Post(_requester, $"/v1/campaigns/{_campaignId}/tasks", "{\"tasks\":[" + tasks + "]}"));
    }

    [Fact]
    public async Task a_bad_task_row_is_422_naming_its_index()
    {
        var problem = await ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, () => Post(_requester,
            $"/v1/campaigns/{_campaignId}/tasks", "{\"tasks\":[{\"id\":\"ok\",\"data\":{}},{\"id\":\"bad\",\"data\":{},\"gold\":\"maybe\"}]}"));
        Assert.True(problem.GetProperty("errors").TryGetProperty("tasks[1].gold", out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer nope")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task missing_or_unknown_credentials_are_401(string? authorization)
    {
        var http = _server.NewHttp();
        if (authorization is not null)
        {
            http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }
        await ExpectProblemAsync(HttpStatusCode.Unauthorized, () => http.PostAsync("/v1/faucet", Json("{\"amount\":5}")));
    }

    [Fact]
    public async Task unknown_endpoints_are_404_problems()
    {
        await ExpectProblemAsync(HttpStatusCode.NotFound, () => _server.NewHttp().GetAsync("/v1/nothing-here"));
    }

    [Fact]
    public async Task a_caller_over_its_rate_is_429()
    {
        await using var server = await TestServer.StartAsync(o => { o.RequestsPerSecond = 1; o.RequestBurst = 3; });
        var http = server.NewHttp();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await http.GetAsync("/v1/assets");
            statuses.Add(response.StatusCode);
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.OK, statuses[0]);
    }

    [Fact]
    public async Task a_flooding_contributor_is_told_when_to_retry_and_the_others_are_not_held_back()
    {
        await using var server = await TestServer.StartAsync(o => { o.RequestsPerSecond = 5; o.RequestBurst = 10; });
        var flooder = await server.SignedInAsync();
        var other = await server.SignedInAsync();
        var flood = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => flooder.Http.GetAsync("/v1/accounts/me")));
        var limited = flood.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.True(limited.Count >= 30, $"{limited.Count} of 60 were limited");
        Assert.All(limited, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        Assert.Equal("application/problem+json", limited[0].Content.Headers.ContentType?.MediaType);
        // The other contributor's own budget is untouched by the flood.
        var mine = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => other.Http.GetAsync("/v1/accounts/me")));
        Assert.All(mine, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var r in flood.Concat(mine))
        {
            r.Dispose();
        }
    }
}

public sealed class NullInputTests
{
    [Fact]
    public async Task a_null_task_in_a_batch_is_422_not_a_crash()
    {
        await using var server = await TestServer.StartAsync();
        var requester = await server.SignedInAsync();
        var campaign = await requester.CreateCampaignAsync(new CreateCampaign("n", "", "classification", ["a", "b"], 1, 10, 1, null));
        using var response = await requester.Http.PostAsync($"/v1/campaigns/{campaign.Id}/tasks",
            new StringContent("{\"tasks\":[{\"id\":\"1\",\"data\":{}},null]}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(0, (await requester.CampaignAsync(campaign.Id)).Tasks);
    }
}

using System.Net;
using System.Text.Json;
using Earnest.Client;
using Earnest.Ledger;
using Earnest.Market;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Http;

public sealed class HttpEarnLoopTests
{
    [Fact]
    public async Task the_whole_earn_loop_runs_over_http_and_conserves_every_token()
    {
        await using var server = await TestServer.StartAsync();
        var requester = await server.SignedInAsync();
        var minted = 0L;
        minted += (await requester.FaucetAsync(1_000_000)).Amount;
        var campaign = await requester.CreateCampaignAsync(new CreateCampaign("Is this review positive?", "Read it.",
            "classification", ["positive", "negative"], 2_000, 600_000, 3, null));
        Assert.Equal("draft", campaign.Status);
        var added = await requester.AddTasksAsync(campaign.Id, [
            new { id = "r-1", data = new { text = "great" }, gold = (string?)null },
            new { id = "r-2", data = new { text = "awful" }, gold = (string?)null },
            new { id = "g-1", data = new { text = "superb" }, gold = (string?)"positive" },
        ]);
        Assert.Equal(3, added.Added);
        var published = await requester.PublishAsync(campaign.Id);
        Assert.Equal(600_000, published.Escrow);

        var signer = await requester.LedgerKeyAsync();
        var truth = new Dictionary<string, string> { ["great"] = "positive", ["awful"] = "negative", ["superb"] = "positive" };
        var contributors = new List<EarnestClient>();
        var receipts = new List<Receipt>();
        for (var i = 0; i < 3; i++)
        {
            var contributor = await server.SignedInAsync();
            contributors.Add(contributor);
            while (await contributor.LeaseAsync(i % 2 == 0 ? campaign.Id : null) is { } lease)
            {
                Assert.False(lease.Data.TryGetProperty("gold", out _));
                var text = lease.Data.GetProperty("text").GetString()!;
                // The third contributor gets "awful" wrong.
                var answer = i == 2 && text == "awful" ? "positive" : truth[text];
                var outcome = await contributor.SubmitAsync(lease.Id, answer);
                if (outcome.Payment is { } payment)
                {
                    receipts.Add(payment.Receipt);
                }
            }
        }
        // The last consensus answers paid the earlier, pending ones: every payout has a verifiable receipt.
        foreach (var contributor in contributors)
        {
            foreach (var transfer in await contributor.TransfersAsync())
            {
                Assert.Null(transfer.Receipt.Verify(signer));
                Assert.Equal(contributor.Address, transfer.Credit);
                Assert.Equal(TransferKinds.Payout, transfer.Kind);
            }
        }
        Assert.All(receipts, r => Assert.Null(r.Verify(signer)));

        var view = await requester.CampaignAsync(campaign.Id);
        Assert.Equal((9, 8, 1, 0), (view.Submissions, view.Accepted, view.Rejected, view.Pending));
        Assert.Equal(2, view.TasksDone);
        Assert.Equal(8 * 2_000, view.Spent);

        var results = await requester.ResultsAsync(campaign.Id);
        Assert.Equal("positive", results.Results.Single(r => r.TaskId == "r-1").Answer);
        Assert.Equal("negative", results.Results.Single(r => r.TaskId == "r-2").Answer);
        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, $"/v1/campaigns/{campaign.Id}/results");
        csvRequest.Headers.Accept.ParseAdd("text/csv");
        using var csv = await requester.Http.SendAsync(csvRequest);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Trim().Split('\n');
        Assert.StartsWith("taskId,answer,confidence", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("r-2,negative,", StringComparison.Ordinal));

        // The dashboard's figures: every payment timed, the open last bucket with a null bound (JSON has no infinity).
        using var stats = JsonDocument.Parse(await requester.Http.GetStringAsync($"/v1/campaigns/{campaign.Id}/stats"));
        var toPaid = stats.RootElement.GetProperty("timeToPaid");
        Assert.Equal(8, toPaid.GetProperty("count").GetInt32());
        var buckets = toPaid.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(8, buckets.Sum(b => b.GetProperty("count").GetInt32()));
        Assert.Equal(JsonValueKind.Null, buckets[^1].GetProperty("upTo").ValueKind);
        Assert.All(buckets[..^1], b => Assert.Equal(JsonValueKind.Number, b.GetProperty("upTo").ValueKind));
        Assert.Equal(8, stats.RootElement.GetProperty("timeline").EnumerateArray().Last().GetProperty("accepted").GetInt32());

        var closed = await requester.CloseAsync(campaign.Id);
        Assert.Equal(600_000 - 16_000, closed.Refunded);

        var total = 0L;
        foreach (var party in contributors.Append(requester))
        {
            total += (await party.AccountAsync()).Balances.Single(b => b.Asset == "EARN").Amount;
        }
        Assert.Equal(minted, total);
    }

    [Fact]
    public async Task a_payment_reaches_the_contributors_event_stream()
    {
        await using var server = await TestServer.StartAsync();
        var requester = await server.SignedInAsync();
        await requester.FaucetAsync(100_000);
        var campaign = await requester.CreateCampaignAsync(new CreateCampaign("Gold only", "", "classification",
            ["a", "b"], 1_000, 10_000, 1, null));
        await requester.AddTasksAsync(campaign.Id, [new { id = "g", data = new { }, gold = "a" }]);
        await requester.PublishAsync(campaign.Id);

        var contributor = await server.SignedInAsync();
        using var stream = await contributor.Http.GetStreamAsync("/v1/events");
        using var reader = new StreamReader(stream);
        Assert.Equal(": connected", await reader.ReadLineAsync());
        var lease = await contributor.LeaseAsync();
        var outcome = await contributor.SubmitAsync(lease!.Id, "a");

        var events = new List<(string Type, JsonElement Data)>();
        string? type = null;
        while (events.Count < 2 && await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            if (line.StartsWith("data: ", StringComparison.Ordinal)) events.Add((type!, JsonDocument.Parse(line[6..]).RootElement));
        }
        var payment = events.Single(e => e.Type == "payment").Data;
        Assert.Equal(outcome.Payment!.TransferId, payment.GetProperty("id").GetString());
        Assert.Equal(1_000, payment.GetProperty("amount").GetInt64());
        Assert.Equal("accepted", events.Single(e => e.Type == "decision").Data.GetProperty("status").GetString());
    }

    [Fact]
    public async Task the_openapi_document_lists_every_endpoint_of_the_contract()
    {
        await using var server = await TestServer.StartAsync();
        using var http = server.NewHttp();
        var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        string[] contract =
        [
            "/v1/auth/challenge", "/v1/auth/token", "/v1/api-keys", "/v1/assets", "/v1/accounts/me", "/v1/faucet",
            "/v1/accounts/me/transfers", "/v1/campaigns", "/v1/campaigns/{id}/tasks", "/v1/campaigns/{id}/publish",
            "/v1/campaigns/{id}", "/v1/campaigns/{id}/results", "/v1/campaigns/{id}/close", "/v1/assignments",
            "/v1/assignments/{id}/submission", "/v1/events", "/v1/ledger/key",
        ];
        Assert.All(contract, p => Assert.Contains(p, paths));
    }

    [Fact]
    public async Task an_api_key_works_as_a_bearer_token_for_the_same_account()
    {
        await using var server = await TestServer.StartAsync();
        var owner = await server.SignedInAsync();
        var key = await owner.PostAsync<JsonElement>("/v1/api-keys", new { });
        var program = new EarnestClient(server.NewHttp());
        program.UseToken(key.GetProperty("key").GetString()!);
        Assert.Equal(owner.Address, (await program.AccountAsync()).Address);
        Assert.Equal(HttpStatusCode.OK, (await server.NewHttp().GetAsync("/v1/assets")).StatusCode);
    }
}

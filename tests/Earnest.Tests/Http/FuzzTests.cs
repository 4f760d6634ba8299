using System.Globalization;
using System.Text;
using Earnest.Market;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Http;

/// <summary>
/// Random bodies (seeded, so a failure reproduces) built from the endpoints' own field names and hostile values are
/// sent to every endpoint: nothing a client sends may produce a 5xx, and the ledger must still balance.
/// </summary>
public sealed class FuzzTests
{
    private static readonly string[] Fields =
    [
        "address", "message", "signature", "amount", "id", "title", "instructions", "kind", "labels", "reward",
        "budget", "overlap", "asset", "tasks", "data", "gold", "campaignId", "answer",
    ];

    [Fact]
    public async Task no_random_body_on_any_endpoint_gives_a_server_error()
    {
        await using var server = await TestServer.StartAsync(o => { o.RequestsPerSecond = 100_000; o.RequestBurst = 100_000; });
        var requester = await server.SignedInAsync();
        await requester.FaucetAsync(1_000_000);
        var campaign = await requester.CreateCampaignAsync(new CreateCampaign("Fuzz", "", "classification", ["a", "b"], 10, 1_000, 2, null));
        await requester.AddTasksAsync(campaign.Id, [new { id = "t", data = new { } }, new { id = "g", data = new { }, gold = "a" }]);
        await requester.PublishAsync(campaign.Id);
        var contributor = await server.SignedInAsync();
        var lease = await contributor.LeaseAsync(campaign.Id);

        string[] posts =
        [
            "/v1/auth/challenge", "/v1/auth/token", "/v1/faucet", "/v1/campaigns", $"/v1/campaigns/{campaign.Id}/tasks",
            $"/v1/campaigns/{campaign.Id}/publish", "/v1/assignments", $"/v1/assignments/{lease!.Id}/submission",
            "/v1/api-keys", $"/v1/assignments/{lease.Id}/release", "/v1/assignments/asg_x/release",
        ];
        var random = new Random(9);
        var failures = new List<string>();
        for (var i = 0; i < 1_500; i++)
        {
            var path = posts[random.Next(posts.Length)];
            var body = RandomBody(random);
            var client = random.Next(2) == 0 ? requester : contributor;
            using var response = await client.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"{(int)response.StatusCode} POST {path} {body}");
            }
        }
        string[] gets =
        [
            "/v1/accounts/me/transfers?limit=", "/v1/accounts/me/transfers?after=", "/v1/campaigns/", "/v1/transfers/",
            "/v1/submissions?limit=", $"/v1/campaigns/{campaign.Id}/stats?x=", "/v1/campaigns/c/stats?x=", "/app/",
            "/shared/",
        ];
        for (var i = 0; i < 300; i++)
        {
            var path = gets[random.Next(gets.Length)] + Uri.EscapeDataString(RandomScalar(random).Trim('"'));
            using var response = await requester.Http.GetAsync(path);
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"{(int)response.StatusCode} GET {path}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.All(server.Node.Database.Read(Earnest.Ledger.Postings.Sums).Values, sum => Assert.Equal(0, sum));
    }

    private static string RandomBody(Random random) => random.Next(10) switch
    {
        0 => RandomScalar(random),
        1 => "[" + RandomScalar(random) + "]",
        2 or 3 => "{\"tasks\":[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => random.Next(3) == 0 ? (random.Next(2) == 0 ? "null" : RandomScalar(random)) : RandomObject(random, 1))) + "]}",
        _ => RandomObject(random, 0),
    };

    private static string RandomObject(Random random, int depth)
    {
        var fields = Enumerable.Range(0, random.Next(1, 7)).Select(_ => Fields[random.Next(Fields.Length)]).Distinct();
        return "{" + string.Join(",", fields.Select(f => $"\"{f}\":{RandomValue(random, depth + 1)}")) + "}";
    }

    private static string RandomValue(Random random, int depth) => random.Next(8) switch
    {
        0 when depth < 3 => RandomObject(random, depth),
        1 when depth < 3 => "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1))) + "]",
        _ => RandomScalar(random),
    };

    private static string RandomScalar(Random random) => random.Next(14) switch
    {
        0 => "null",
        1 => "true",
        2 => "-1",
        3 => "0",
        4 => random.NextInt64().ToString(CultureInfo.InvariantCulture),
        5 => "9223372036854775807",
        6 => "-9223372036854775808",
        7 => "1e400",
        8 => "\"a\"",
        9 => "\"" + new string('x', random.Next(0, 300)) + "\"",
        10 => "\"\\u0000\\ud800\"",
        11 => "\"0OIl+/=\"",
        12 => "1.5",
        _ => "\"b\"",
    };
}

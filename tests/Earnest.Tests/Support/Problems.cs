using System.Net;
using System.Text.Json;
using Dapper;
using Xunit;

namespace Earnest.Tests.Support;

/// <summary>Bad input's answer: a precise RFC 9457 problem, and a store left exactly as it was.</summary>
public static class Problems
{
    /// <summary>
    /// A fingerprint of a node's store: the row count of each table, every balance, and the rows each extra query
    /// lists (one text per row).
    /// </summary>
    public static string Fingerprint(Node node, string[] tables, params string[] rowQueries) => node.Database.Read(c =>
        string.Join("|", tables.Select(t => $"{t}={c.ExecuteScalar<long>($"SELECT COUNT(*) FROM {t}")}")
            .Concat(c.Query<string>("SELECT account || ':' || asset || '=' || amount FROM balances ORDER BY account, asset"))
            .Concat(rowQueries.SelectMany(q => c.Query<string>(q)))));

    /// <summary>
    /// Sends a request and asserts its answer is a problem+json of <paramref name="status"/> with a type, title and
    /// detail, and that <paramref name="fingerprint"/> reads the same before and after.
    /// </summary>
    public static async Task<JsonElement> ExpectAsync(HttpStatusCode status, Func<Task<HttpResponseMessage>> send,
        Func<string> fingerprint)
    {
        var before = fingerprint();
        using var response = await send();
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.StartsWith("urn:earnest:problem:", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Equal(before, fingerprint());
        return problem;
    }
}

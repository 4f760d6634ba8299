using Earnest.Market;
using Earnest.Tests.Support;
using Npgsql;
using Xunit;

namespace Earnest.Tests.Market;

/// <summary>
/// A lease must cost the same whatever the size of the market: on PostgreSQL its "never leased by this contributor"
/// test probes the assignments' unique key per candidate task, and never reads every assignment of the campaign.
/// </summary>
public sealed class LeasePlanTests
{
    [Fact]
    public async Task on_postgresql_the_next_task_queries_probe_assignments_instead_of_scanning_them()
    {
        await using var t = await TestNode.StartAsync(store: Store.Postgres);
        var tasks = Enumerable.Range(0, 2_000).Select(i => ($"t{i}", (string?)null))
            .Concat(Enumerable.Range(0, 20).Select(i => ($"g{i}", (string?)"yes"))).ToList();
        var (_, campaign) = await t.PublishedCampaignAsync(tasks, budget: 10_000_000);
        var postgres = (Earnest.Postgres.PostgresDatabase)t.Node.Database;
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        // The history of a busy campaign: 20,000 finished leases by 4,000 contributors, five each, as statistics see
        // it after the autovacuum's analyze.
        await Execute(connection, """
            INSERT INTO assignments(id, campaign_id, task_seq, contributor, created_at, expires_at, status)
            SELECT 'asg_plan' || g, @campaign, g % 2020, 'contributor' || (g % 4000), 0, 0, 'submitted'
            FROM generate_series(1, 20000) g;
            ANALYZE;
            """, ("campaign", campaign));

        foreach (var sql in new[] { Work.NextTaskWithRoomSql(t.Node.Database.Sql), Work.NextGoldTaskSql })
        {
            await using var explain = new NpgsqlCommand("EXPLAIN " + sql, connection);
            explain.Parameters.AddWithValue("campaignId", campaign);
            explain.Parameters.AddWithValue("contributor", "contributor7");
            explain.Parameters.AddWithValue("after", -1L);
            var plan = new List<string>();
            await using (var reader = await explain.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    plan.Add(reader.GetString(0));
                }
            }
            var text = string.Join("\n", plan);
            Assert.DoesNotContain("Seq Scan on assignments", text);
            Assert.Contains("assignments_campaign_id_task_seq_contributor_key", text);
        }

        // And the query still answers: contributor2020 held task 0 (and 1980, 1940…), so its first task is 1.
        await using var next = new NpgsqlCommand(Work.NextTaskWithRoomSql(t.Node.Database.Sql), connection);
        next.Parameters.AddWithValue("campaignId", campaign);
        next.Parameters.AddWithValue("contributor", "contributor2020");
        next.Parameters.AddWithValue("after", -1L);
        await using var first = await next.ExecuteReaderAsync();
        Assert.True(await first.ReadAsync());
        Assert.Equal(1L, first.GetInt64(first.GetOrdinal("seq")));
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, params (string, object)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync();
    }
}

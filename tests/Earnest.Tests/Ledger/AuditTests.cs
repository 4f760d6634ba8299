using System.Text.Json;
using Dapper;
using Earnest.Audit;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Storage;
using Earnest.Market;
using Earnest.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Earnest.Tests.Ledger;

/// <summary>
/// <c>audit</c> passes on a real history (three verification policies, payouts, a custom asset, a close with refund)
/// and names the damage when the database file is edited behind the node's back.
/// </summary>
public sealed class AuditTests
{
    private static readonly Lazy<Task<string>> Original = new(BuildHistoryAsync);

    /// <summary>A copy of one node folder with a varied history (built once), closed so the file can be edited.</summary>
    private static async Task<string> HistoryAsync()
    {
        var original = await Original.Value;
        var copy = TempFolder.Create();
        foreach (var file in Directory.GetFiles(original))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
        return copy;
    }

    private static async Task<string> BuildHistoryAsync()
    {
        var t = await TestNode.StartAsync();
        var folder = t.Node.Options.DataFolder;
        var random = new Random(11);
        foreach (var policy in new[]
                 {
                     (PolicyRequest?)null,
                     new PolicyRequest("mv", new DynamicOverlapRequest(1, 3, 0.7), 0.25, null, null),
                     new PolicyRequest("rds", null, 0.2, null, null),
                 })
        {
            using var requester = WalletKey.Create();
            (await t.Node.Funds.FaucetAsync(requester.Address, 100_000, null)).AssertOk();
            var campaign = (await t.Node.Campaigns.CreateAsync(requester.Address, new CreateCampaign("Audit", "", "classification",
                ["yes", "no"], 100, 50_000, 3, null, policy))).AssertOk();
            (await t.Node.Campaigns.AddTasksAsync(requester.Address, campaign.Id,
                Enumerable.Range(0, 6).Select(i => new NewTask($"t{i}", JsonDocument.Parse("{}").RootElement,
                    i == 0 ? "yes" : null)).ToList())).AssertOk();
            (await t.Node.Campaigns.PublishAsync(requester.Address, campaign.Id)).AssertOk();
            for (var c = 0; c < 5; c++)
            {
                var contributor = TestNode.NewAddress();
                for (var k = 0; k < 4; k++)
                {
                    var lease = (await t.Node.Work.LeaseAsync(contributor, campaign.Id)).AssertOk();
                    if (lease is null)
                    {
                        break;
                    }
                    (await t.Node.Work.SubmitAsync(contributor, lease.Id, random.Next(4) == 0 ? "no" : "yes")).AssertOk();
                }
            }
            (await t.Node.Campaigns.CloseAsync(requester.Address, campaign.Id)).AssertOk();
        }
        using var issuer = WalletKey.Create();
        (await t.Node.Issuance.CreateAsync(issuer.Address, new CreateAsset("GEM", 2, 10_000))).AssertOk();
        (await t.Node.Issuance.MintAsync(issuer.Address, "GEM", new MintRequest(2_500, TestNode.NewAddress(), "gem-1"))).AssertOk();
        t.Node.Dispose();
        return folder;
    }

    private static void Edit(string folder, string sql)
    {
        var path = Path.Combine(folder, Node.DatabaseFile);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        SqliteDatabase.AttachIndex(connection, SqliteDatabase.IndexPathOf(path));
        Assert.True(connection.Execute(sql) > 0, $"the edit changed nothing: {sql}");
    }

    [Fact]
    public async Task an_untouched_history_passes_and_says_what_it_checked()
    {
        var folder = await HistoryAsync();
        try
        {
            var report = Auditor.Run(folder);
            Assert.True(report.Passed, report.Failure);
            var text = string.Join("\n", report.Summary);
            Assert.Contains("2 assets: EARN, GEM", text);
            Assert.Contains("each accepted submission paid exactly once", text);
            Assert.Matches(@"\d+ decisions re-derived", text);
            // Three verifiers' decisions were re-derived, not just counted.
            using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, Node.DatabaseFile)};Pooling=False");
            Assert.Equal(3, connection.ExecuteScalar<long>("SELECT COUNT(DISTINCT verifier) FROM decisions"));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Theory]
    // The log is the truth: a payout's amount edited in it (its payload still well-formed) breaks its block's root.
    [InlineData("""
        UPDATE ledger_log SET payloads = CAST(replace(CAST(payloads AS TEXT), '"amount":100,', '"amount":101,') AS BLOB)
        WHERE first_seq = (SELECT MAX(first_seq) FROM ledger_log WHERE instr(CAST(payloads AS TEXT), '"kind":"payout"') > 0)
        """, "the Merkle root of its transfers does not match its header")]
    [InlineData("DELETE FROM ledger_log WHERE first_seq = (SELECT first_seq FROM ledger_log ORDER BY first_seq LIMIT 1 OFFSET 3)",
        "is missing from the log")]
    // The index (transfers by id and account, balances) is derived from the log and must agree with it.
    [InlineData("UPDATE transfers SET amount = amount + 1 WHERE seq = (SELECT MIN(seq) FROM transfers WHERE kind = 'payout')",
        "the index differs from the log")]
    [InlineData("""
        UPDATE transfers SET amount = amount + 1,
            payload = CAST(replace(CAST(payload AS TEXT), '"amount":100,', '"amount":101,') AS BLOB)
        WHERE seq = (SELECT MIN(seq) FROM transfers WHERE kind = 'payout')
        """, "the index differs from the log")]
    [InlineData("DELETE FROM transfers WHERE seq = (SELECT MIN(seq) FROM transfers WHERE kind = 'payout')",
        "is missing from the index")]
    [InlineData("""
        UPDATE blocks SET height = -2 WHERE height = 2;
        UPDATE blocks SET height = 2 WHERE height = 3;
        UPDATE blocks SET height = 3 WHERE height = -2
        """, "block 2: its previous hash does not match the hash of block 1")]
    [InlineData("""
        UPDATE blocks SET signature = (SELECT signature FROM blocks WHERE height = 1) WHERE height = 2
        """, "block 2: the network's signature over its header does not verify")]
    [InlineData("UPDATE blocks SET closed_at = closed_at + 1 WHERE height = 2", "block 2: its stored header differs from its columns")]
    [InlineData("""
        UPDATE balances SET amount = amount + 5 WHERE (account, asset) =
            (SELECT account, asset FROM balances WHERE account NOT LIKE '%:%' AND amount > 0 ORDER BY account LIMIT 1)
        """,
        "the store says")]
    [InlineData("UPDATE assets SET max_supply = 1000000 WHERE symbol = 'GEM'", "asset GEM: its stored terms differ from its signed record")]
    [InlineData("UPDATE campaigns SET active_leases = active_leases + 1", "live leases/pending submissions/gold tasks stored as")]
    [InlineData("UPDATE participants SET gold_correct = gold_correct + 1", "leases/gold leases/gold answered/gold right stored as")]
    [InlineData("UPDATE decisions SET status = 'accepted' WHERE seq = (SELECT MIN(seq) FROM decisions WHERE status = 'rejected')",
        "differs from its recorded decision")]
    [InlineData("""
        UPDATE submissions SET status = 'accepted' WHERE id = (SELECT submission_id FROM decisions WHERE seq =
            (SELECT MIN(seq) FROM decisions WHERE status = 'rejected'));
        UPDATE decisions SET status = 'accepted' WHERE seq = (SELECT MIN(seq) FROM decisions WHERE status = 'rejected')
        """, "the replay decides rejected")]
    [InlineData("""
        UPDATE submissions SET answer = CASE answer WHEN 'yes' THEN 'no' ELSE 'yes' END
        WHERE id = (SELECT submission_id FROM decisions WHERE verifier = 'majority/1' ORDER BY seq LIMIT 1)
        """, "the replay decides")]
    public async Task an_edited_database_fails_the_audit_naming_the_damage(string edit, string message)
    {
        var folder = await HistoryAsync();
        try
        {
            Assert.True(Auditor.Run(folder).Passed);
            Edit(folder, edit);
            var report = Auditor.Run(folder);
            Assert.False(report.Passed, $"the audit missed: {edit}");
            Assert.Contains(message, report.Failure);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task any_single_changed_bit_of_the_log_or_a_block_is_caught()
    {
        var folder = await HistoryAsync();
        try
        {
            var random = new Random(4);
            var path = Path.Combine(folder, Node.DatabaseFile);
            for (var trial = 0; trial < 12; trial++)
            {
                var copy = TempFolder.Create();
                try
                {
                    File.Copy(path, Path.Combine(copy, Node.DatabaseFile));
                    File.Copy(SqliteDatabase.IndexPathOf(path), SqliteDatabase.IndexPathOf(Path.Combine(copy, Node.DatabaseFile)));
                    File.Copy(Path.Combine(folder, Node.KeyFile), Path.Combine(copy, Node.KeyFile));
                    var (table, column) = (trial % 3) switch
                    {
                        0 => ("ledger_log", "payloads"),
                        1 => ("blocks", "header"),
                        _ => ("blocks", "merkle_root"),
                    };
                    using (var connection = new SqliteConnection($"Data Source={Path.Combine(copy, Node.DatabaseFile)};Pooling=False"))
                    {
                        connection.Open();
                        var rows = connection.Query<long>($"SELECT rowid FROM {table}").ToList();
                        var rowid = rows[random.Next(rows.Count)];
                        var bytes = connection.ExecuteScalar<byte[]>($"SELECT {column} FROM {table} WHERE rowid = @rowid", new { rowid })!;
                        bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                        connection.Execute($"UPDATE {table} SET {column} = @bytes WHERE rowid = @rowid", new { bytes, rowid });
                    }
                    var report = Auditor.Run(copy);
                    Assert.False(report.Passed, $"a flipped bit in {table}.{column} went unnoticed");
                }
                finally
                {
                    TempFolder.Delete(copy);
                }
            }
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task the_audit_command_exits_1_naming_the_first_inconsistency()
    {
        var folder = await HistoryAsync();
        try
        {
            var ok = await Http.Cli.RunAsync(["audit", folder]);
            Assert.True(ok.ExitCode == 0, ok.Stderr);
            Assert.Contains("audit passed", ok.Stdout);
            Edit(folder, "DELETE FROM blocks WHERE height = 2");
            var failed = await Http.Cli.RunAsync(["audit", folder]);
            Assert.Equal(1, failed.ExitCode);
            Assert.Contains("audit failed: block 2 is missing or out of order", failed.Stderr);
            var missing = await Http.Cli.RunAsync(["audit", Path.Combine(folder, "nope")]);
            Assert.Equal(2, missing.ExitCode);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }
}

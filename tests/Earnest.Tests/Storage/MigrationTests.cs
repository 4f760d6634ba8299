using Dapper;
using Earnest.Audit;
using Earnest.Storage;
using Earnest.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Earnest.Tests.Storage;

/// <summary>A database written before the latest schema versions is brought up to date with its history intact.</summary>
public sealed class MigrationTests
{
    [Fact]
    public async Task a_version_3_database_with_a_market_in_progress_migrates_its_counts_and_its_ledger_into_the_log()
    {
        var folder = TempFolder.Create();
        try
        {
            string campaign;
            await using (var t = await StartAsync(folder))
            {
                (_, campaign) = await t.PublishedCampaignAsync(
                    [.. Enumerable.Range(0, 12).Select(i => ($"t{i}", i % 4 == 0 ? "yes" : (string?)null))], reward: 10, overlap: 3);
                for (var c = 0; c < 4; c++)
                {
                    var contributor = TestNode.NewAddress();
                    for (var i = 0; i < 5 && (await t.Node.Work.LeaseAsync(contributor, campaign)).AssertOk() is { } lease; i++)
                    {
                        if (i < 4) // the last lease stays live
                        {
                            (await t.Node.Work.SubmitAsync(contributor, lease.Id, c == 3 ? "no" : "yes")).AssertOk();
                        }
                    }
                }
            }
            // Back to version 3: what versions 4 to 9 added is removed and what versions 8 and 9 dropped is back, as
            // in a database written before them. The transfers and balances go back into the database file, from the
            // index file that version 6 built.
            var path = Path.Combine(folder, Node.DatabaseFile);
            using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                c.Open();
                c.Execute("ATTACH DATABASE @index AS ix", new { index = SqliteDatabase.IndexPathOf(path) });
                c.Execute("""
                    CREATE TABLE main.transfers(
                        seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, debit TEXT NOT NULL, credit TEXT NOT NULL,
                        asset TEXT NOT NULL, amount INTEGER NOT NULL, timestamp INTEGER NOT NULL, kind TEXT NOT NULL,
                        ref TEXT NULL, payload BLOB NOT NULL);
                    CREATE INDEX main.transfers_debit ON transfers(debit, seq);
                    CREATE INDEX main.transfers_credit ON transfers(credit, seq);
                    INSERT INTO main.transfers SELECT * FROM ix.transfers;
                    CREATE TABLE main.balances(
                        account TEXT NOT NULL, asset TEXT NOT NULL, amount INTEGER NOT NULL,
                        PRIMARY KEY(account, asset)) WITHOUT ROWID;
                    INSERT INTO main.balances SELECT * FROM ix.balances;
                    DETACH DATABASE ix;
                    DROP TABLE ledger_log; DELETE FROM meta WHERE key = 'store_id';
                    """);
                c.Execute("""
                    DROP INDEX submissions_campaign; DROP INDEX tasks_with_room; DROP INDEX submissions_pending;
                    CREATE INDEX submissions_status ON submissions(campaign_id, status);
                    CREATE INDEX assignments_contributor ON assignments(contributor, campaign_id);
                    DROP INDEX assignments_live;
                    CREATE INDEX assignments_live ON assignments(campaign_id, status, expires_at);
                    DROP TABLE participants;
                    DROP TABLE withdrawals; DROP TABLE deposit_references; DROP TABLE deposits; DROP TABLE anchors;
                    ALTER TABLE tasks DROP COLUMN taken;
                    ALTER TABLE campaigns DROP COLUMN active_leases; ALTER TABLE campaigns DROP COLUMN pending_submissions;
                    ALTER TABLE campaigns DROP COLUMN gold_count;
                    CREATE INDEX tasks_open_regular ON tasks(campaign_id, seq) WHERE gold IS NULL AND status = 'open';
                    PRAGMA user_version = 3;
                    """);
            }
            File.Delete(SqliteDatabase.IndexPathOf(path));
            SqliteConnection.ClearAllPools();
            await using (var t = await StartAsync(folder))
            {
                var report = Auditor.Run(folder); // recounts the backfilled counts against the rows
                Assert.True(report.Passed, report.Failure);
                var counts = t.Node.Database.Read(c => c.QuerySingle<(long Active, long Pending, long Gold)>(
                    "SELECT active_leases, pending_submissions, gold_count FROM campaigns WHERE id = @campaign", new { campaign }));
                Assert.True(counts.Active > 0 && counts.Gold == 3, counts.ToString());
                // The transfers were packed into the log a segment per block, and the index was built from it.
                var (segments, blocks, transfers) = t.Node.Database.Read(c => c.QuerySingle<(long, long, long)>(
                    "SELECT (SELECT COUNT(*) FROM ledger_log), (SELECT COUNT(*) FROM blocks), (SELECT COUNT(*) FROM transfers)"));
                Assert.True(blocks > 1 && segments == blocks && transfers == t.Node.Chain.Head!.LastSeq,
                    $"{segments} segments, {blocks} blocks, {transfers} transfers indexed");
                // Version 8 left one index of undecided submissions; version 9, none of assignments by contributor, and
                // live ones alone by campaign.
                Assert.Equal(["submissions_pending"], t.Node.Database.Read(c => c.Query<string>("""
                    SELECT name FROM sqlite_master
                    WHERE name IN ('submissions_status', 'submissions_pending', 'assignments_contributor')
                    """).ToList()));
                Assert.Contains("WHERE status = 'active'", t.Node.Database.Read(c => c.QuerySingle<string>(
                    "SELECT sql FROM sqlite_master WHERE name = 'assignments_live'")), StringComparison.Ordinal);
                // And the market goes on from there.
                var next = (await t.Node.Work.LeaseAsync(TestNode.NewAddress(), campaign)).AssertOk();
                Assert.NotNull(next);
                Assert.True(Auditor.Run(folder).Passed);
            }
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    private static async Task<TestNode> StartAsync(string folder) =>
        await TestNode.StartAsync(o => o.DataFolder = folder);
}

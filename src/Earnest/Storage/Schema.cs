using System.Data.Common;
using Dapper;

namespace Earnest.Storage;

/// <summary>
/// The versioned schema. Each entry is applied once, in order, inside one transaction; the applied version is kept
/// in SQLite's <c>user_version</c>. Append new versions; never edit an applied one.
/// </summary>
internal static class Schema
{
    public static readonly string[] Versions =
    [
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE assets(
            symbol TEXT PRIMARY KEY, decimals INTEGER NOT NULL, issuer TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE balances(
            account TEXT NOT NULL, asset TEXT NOT NULL, amount INTEGER NOT NULL,
            PRIMARY KEY(account, asset)) WITHOUT ROWID;
        CREATE TABLE transfers(
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, debit TEXT NOT NULL, credit TEXT NOT NULL,
            asset TEXT NOT NULL, amount INTEGER NOT NULL, timestamp INTEGER NOT NULL, kind TEXT NOT NULL,
            ref TEXT NULL, payload BLOB NOT NULL, signature BLOB NOT NULL);
        CREATE INDEX transfers_debit ON transfers(debit, seq);
        CREATE INDEX transfers_credit ON transfers(credit, seq);
        CREATE TABLE challenges(
            nonce TEXT PRIMARY KEY, address TEXT NOT NULL, message TEXT NOT NULL, expires_at INTEGER NOT NULL,
            used_at INTEGER NULL);
        CREATE INDEX challenges_expiry ON challenges(expires_at);
        CREATE TABLE credentials(
            hash BLOB PRIMARY KEY, address TEXT NOT NULL, kind TEXT NOT NULL, created_at INTEGER NOT NULL,
            expires_at INTEGER NULL) WITHOUT ROWID;
        CREATE TABLE campaigns(
            id TEXT PRIMARY KEY, requester TEXT NOT NULL, title TEXT NOT NULL, instructions TEXT NOT NULL,
            kind TEXT NOT NULL, labels TEXT NOT NULL, reward INTEGER NOT NULL, budget INTEGER NOT NULL,
            overlap INTEGER NOT NULL, asset TEXT NOT NULL, policy TEXT NOT NULL, status TEXT NOT NULL,
            created_at INTEGER NOT NULL, published_at INTEGER NULL, closed_at INTEGER NULL,
            task_count INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX campaigns_requester ON campaigns(requester, created_at);
        CREATE INDEX campaigns_status ON campaigns(status, published_at);
        CREATE TABLE tasks(
            campaign_id TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, gold TEXT NULL,
            required INTEGER NOT NULL, answers INTEGER NOT NULL DEFAULT 0, active INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL, answer TEXT NULL, confidence REAL NULL,
            PRIMARY KEY(campaign_id, seq), UNIQUE(campaign_id, id));
        CREATE INDEX tasks_open ON tasks(campaign_id, status, seq);
        CREATE TABLE assignments(
            id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, task_seq INTEGER NOT NULL, contributor TEXT NOT NULL,
            created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, status TEXT NOT NULL,
            UNIQUE(campaign_id, task_seq, contributor));
        CREATE INDEX assignments_live ON assignments(campaign_id, status, expires_at);
        CREATE INDEX assignments_contributor ON assignments(contributor, campaign_id);
        CREATE TABLE submissions(
            seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, assignment_id TEXT NOT NULL UNIQUE,
            campaign_id TEXT NOT NULL, task_seq INTEGER NOT NULL, contributor TEXT NOT NULL, answer TEXT NOT NULL,
            gold INTEGER NOT NULL, submitted_at INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT NULL,
            decided_at INTEGER NULL, transfer_id TEXT NULL);
        CREATE INDEX submissions_task ON submissions(campaign_id, task_seq, seq);
        CREATE INDEX submissions_status ON submissions(campaign_id, status);
        CREATE INDEX submissions_contributor ON submissions(contributor, seq);
        CREATE TABLE decisions(
            seq INTEGER PRIMARY KEY, submission_id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,
            verifier TEXT NOT NULL, inputs TEXT NOT NULL, decided_at INTEGER NOT NULL);
        CREATE INDEX decisions_submission ON decisions(submission_id);
        """,
        // Leasing read whole campaigns per lease (measured: 1–2 ms of a 2–3 ms lease on a 5,000-task campaign):
        // counting gold tasks, counting a contributor's live leases, and skipping gold tasks in the next-task scan.
        """
        CREATE INDEX tasks_gold ON tasks(campaign_id) WHERE gold IS NOT NULL;
        CREATE INDEX tasks_open_regular ON tasks(campaign_id, seq) WHERE gold IS NULL AND status = 'open';
        CREATE INDEX assignments_live_contributor ON assignments(contributor, expires_at) WHERE status = 'active';
        """,
        // Blocks: each group commit that posts transfers seals them into a block (docs/ledger.md). A transfer's
        // signature is no longer stored: Ed25519 is deterministic, so a receipt's signature is made when it is shown,
        // and the signed block header is what authenticates the stored payloads. Assets gain a supply cap and a
        // signed record of their terms.
        """
        CREATE TABLE blocks(
            height INTEGER PRIMARY KEY, hash BLOB NOT NULL, previous_hash BLOB NOT NULL, merkle_root BLOB NOT NULL,
            count INTEGER NOT NULL, first_seq INTEGER NOT NULL UNIQUE, closed_at INTEGER NOT NULL,
            header BLOB NOT NULL, signature BLOB NOT NULL);
        ALTER TABLE transfers DROP COLUMN signature;
        ALTER TABLE assets ADD COLUMN max_supply INTEGER NULL;
        ALTER TABLE assets ADD COLUMN payload BLOB NULL;
        ALTER TABLE assets ADD COLUMN signature BLOB NULL;
        """,
        // The work list's pay estimate reads a campaign's latest submissions; without this it sorted them all.
        """
        CREATE INDEX submissions_campaign ON submissions(campaign_id, seq);
        """,
        // Leasing counted a campaign's live leases, undecided submissions and gold tasks on every lease: work that grew
        // with the crowd (measured: 2,000 contributors holding leases made every lease scan 2,000 rows). The counts
        // are now kept on the campaign, in the same transactions that change them, and the audit checks them. The
        // next-task scan skipped every full task one by one; the open-task index now holds only tasks with room (SQLite
        // matches a partial index's terms only on plain columns, hence the generated column). A gold task's
        // undecided answers were read among all its answers (nearly every contributor answers a gold task); they
        // have their own index. A contributor's counts in a campaign (leases, gold leases, gold answered
        // and right, the last regular task it was leased) are a row of their own, so a lease no longer reads the
        // contributor's history and the next-task scan starts after its last task.
        CountsOnCampaigns("INTEGER", "VIRTUAL", " WITHOUT ROWID"),
        // The ledger's log (docs/ledger.md): each commit's transfers as one packed row, the truth from which the
        // transfers by id and by account and the balances are derived. On this store those indexes move to a file of
        // their own, built beside the writer (LedgerIndex): a row and three index entries per transfer in the commit
        // cost two thirds of its time (bench/README.md §4). The existing transfers are packed into the log, one
        // segment per block (FinishVersion), and the new index file is built from it when the store next opens. The
        // store gets an identity so that an index file is never taken for another store's.
        $"""
        {LedgerLogTable("INTEGER", "BLOB")}
        INSERT INTO meta(key, value) VALUES ('store_id', lower(hex(randomblob(16))));
        """,
        // Settlement on Solana (docs/solana.md): withdrawals and their transactions, the deposit references handed
        // out and the deposits credited, and the anchors of block hashes written on chain.
        SettlementTables("INTEGER", "BLOB"),
        // Undecided submissions by campaign and status duplicated the partial index of undecided submissions by task
        // (version 5), which serves every query the other did; each submission and each decision paid for both, and
        // PostgreSQL's planner chose the wider one for a gold task's undecided answers, reading every undecided
        // answer of the campaign (measured: 1.9 ms a decision under load, against 0.1 ms).
        DropSubmissionsByStatus,
        // Assignments: the index by contributor and campaign served no lease (the next-task scan's "never leased to
        // this contributor" probe uses the unique (campaign, task, contributor) index, the live-lease count its own
        // partial index); only the audit read it, and now counts by grouping. Each lease paid for one more random page
        // of it in its commit. And the index of live leases by campaign holds only live ones: every query of it asks
        // for status 'active', and a submitted, expired or released lease now leaves it rather than moving within it.
        LiveAssignmentsOnly,
    ];

    /// <summary>The version that drops the index of submissions by campaign and status (both dialects).</summary>
    internal const string DropSubmissionsByStatus = "DROP INDEX submissions_status;";

    /// <summary>The version that keeps only live assignments in their index by campaign (both dialects).</summary>
    internal const string LiveAssignmentsOnly = """
        DROP INDEX assignments_contributor;
        DROP INDEX assignments_live;
        CREATE INDEX assignments_live ON assignments(campaign_id, expires_at) WHERE status = 'active';
        """;

    /// <summary>The version that introduced the ledger's log.</summary>
    public const int LogVersion = 6;

    /// <summary>The log's table in a dialect's spelling (the PostgreSQL schema applies the same).</summary>
    internal static string LedgerLogTable(string integer, string blob) =>
        $"CREATE TABLE ledger_log(first_seq {integer} PRIMARY KEY, count {integer} NOT NULL, payloads {blob} NOT NULL);";

    /// <summary>
    /// The settlement tables in a dialect's spelling (the PostgreSQL schema applies the same).
    /// <list type="bullet">
    /// <item><c>withdrawals</c>: one row per withdrawal (its client-chosen id); <c>status</c> is pending (on the ledger,
    /// in no transaction), sent (in the transaction <c>signature</c>, recorded before it was sent, valid through block
    /// height <c>last_valid_height</c>), final or returned.</item>
    /// <item><c>deposit_references</c>: the references handed out, each naming the requester to credit.</item>
    /// <item><c>deposits</c>: the transactions credited, one row per signature (a reference may be paid more than once).</item>
    /// <item><c>anchors</c>: one row per anchored block height with the hash written and the transaction writing it.</item>
    /// </list>
    /// </summary>
    internal static string SettlementTables(string integer, string blob) => $"""
        CREATE TABLE withdrawals(
            id TEXT PRIMARY KEY, owner TEXT NOT NULL, asset TEXT NOT NULL, amount {integer} NOT NULL,
            destination TEXT NOT NULL, status TEXT NOT NULL, signature TEXT NULL, last_valid_height {integer} NULL,
            attempts {integer} NOT NULL DEFAULT 0, last_error TEXT NULL, created_at {integer} NOT NULL,
            updated_at {integer} NOT NULL);
        CREATE INDEX withdrawals_owner ON withdrawals(owner, created_at);
        CREATE INDEX withdrawals_status ON withdrawals(status, asset, created_at);
        CREATE INDEX withdrawals_signature ON withdrawals(signature) WHERE signature IS NOT NULL;
        CREATE TABLE deposit_references(
            reference TEXT PRIMARY KEY, owner TEXT NOT NULL, asset TEXT NOT NULL, created_at {integer} NOT NULL);
        CREATE INDEX deposit_references_owner ON deposit_references(owner, created_at);
        CREATE TABLE deposits(
            signature TEXT PRIMARY KEY, reference TEXT NOT NULL, owner TEXT NOT NULL, asset TEXT NOT NULL,
            amount {integer} NOT NULL, slot {integer} NOT NULL, credited_at {integer} NOT NULL);
        CREATE INDEX deposits_reference ON deposits(reference);
        CREATE TABLE anchors(
            height {integer} PRIMARY KEY, hash {blob} NOT NULL, status TEXT NOT NULL, signature TEXT NULL,
            last_valid_height {integer} NULL, slot {integer} NULL, attempts {integer} NOT NULL DEFAULT 0,
            last_error TEXT NULL, created_at {integer} NOT NULL, updated_at {integer} NOT NULL);
        CREATE INDEX anchors_signature ON anchors(signature) WHERE signature IS NOT NULL;
        """;

    /// <summary>
    /// What a version needs beyond its SQL, run in the same transaction right after it: packing the existing
    /// transfers into the log; on the embedded store (<paramref name="indexesMove"/>) the tables it replaces go, to be
    /// rebuilt in the index file.
    /// </summary>
    internal static void FinishVersion(int version, DbConnection connection, DbTransaction transaction, bool indexesMove)
    {
        if (version != LogVersion)
        {
            return;
        }
        Ledger.LedgerLog.Backfill(connection, transaction);
        if (indexesMove)
        {
            connection.Execute("DROP TABLE transfers; DROP TABLE balances;", transaction: transaction);
        }
    }

    /// <summary>
    /// Version 5 (the counts leasing keeps instead of counting rows) in a dialect's spelling: its integer type, how it
    /// keeps a generated column, and what makes a table clustered on its key. The PostgreSQL schema applies the same.
    /// </summary>
    internal static string CountsOnCampaigns(string integer, string generated, string clustered) => $"""
        ALTER TABLE campaigns ADD COLUMN active_leases {integer} NOT NULL DEFAULT 0;
        ALTER TABLE campaigns ADD COLUMN pending_submissions {integer} NOT NULL DEFAULT 0;
        ALTER TABLE campaigns ADD COLUMN gold_count {integer} NOT NULL DEFAULT 0;
        UPDATE campaigns SET
            active_leases = (SELECT COUNT(*) FROM assignments a WHERE a.campaign_id = campaigns.id AND a.status = 'active'),
            pending_submissions = (SELECT COUNT(*) FROM submissions s WHERE s.campaign_id = campaigns.id AND s.status = 'pending'),
            gold_count = (SELECT COUNT(*) FROM tasks t WHERE t.campaign_id = campaigns.id AND t.gold IS NOT NULL);
        ALTER TABLE tasks ADD COLUMN taken {integer} GENERATED ALWAYS AS (answers + active) {generated};
        DROP INDEX tasks_open_regular;
        CREATE INDEX tasks_with_room ON tasks(campaign_id, seq) WHERE gold IS NULL AND status = 'open' AND taken < required;
        CREATE INDEX submissions_pending ON submissions(campaign_id, task_seq) WHERE status = 'pending';
        CREATE TABLE participants(
            campaign_id TEXT NOT NULL, contributor TEXT NOT NULL, leased {integer} NOT NULL, gold_leased {integer} NOT NULL,
            gold_answered {integer} NOT NULL, gold_correct {integer} NOT NULL, last_seq {integer} NOT NULL,
            PRIMARY KEY(campaign_id, contributor)){clustered};
        INSERT INTO participants(campaign_id, contributor, leased, gold_leased, gold_answered, gold_correct, last_seq)
        SELECT a.campaign_id, a.contributor, COUNT(*), COUNT(t.gold),
            (SELECT COUNT(*) FROM submissions s
                WHERE s.campaign_id = a.campaign_id AND s.contributor = a.contributor AND s.gold = 1),
            (SELECT COUNT(*) FROM submissions s
                WHERE s.campaign_id = a.campaign_id AND s.contributor = a.contributor AND s.gold = 1 AND s.status = 'accepted'),
            COALESCE(MAX(CASE WHEN t.gold IS NULL THEN a.task_seq END), -1)
        FROM assignments a JOIN tasks t ON t.campaign_id = a.campaign_id AND t.seq = a.task_seq
        GROUP BY a.campaign_id, a.contributor;
        """;
}

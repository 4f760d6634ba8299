using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Storage;
using Earnest.Verification;

namespace Earnest.Market;

/// <summary>
/// The requester's side of the market: create a campaign, add tasks, publish (fund escrow), watch, read results,
/// close (refund). A requester sees only its own campaigns; another's answers "not found".
/// </summary>
public sealed class Campaigns(Database database, NetworkKey key, Chain chain, TimeProvider time, EarnestOptions options,
    EventHub events, MarketMemory memory)
{
    /// <summary>The only kind of campaign so far.</summary>
    public const string Classification = "classification";

    /// <summary>How long the work list may be served from memory: it is the same for everyone and every contributor's
    /// app asks for it, while its figures (tasks left, pay estimates) need not be fresher than this.</summary>
    public static readonly TimeSpan WorkListFreshness = TimeSpan.FromSeconds(2);

    private sealed record WorkList(DateTimeOffset At, IReadOnlyList<OpenCampaignView> Campaigns);

    // Replaced whole, never modified, so readers on any thread see one consistent snapshot.
    private volatile WorkList? _workList;

    /// <summary>Limits on campaign fields.</summary>
    public const int MaxTitle = 200, MaxInstructions = 20_000, MaxLabels = 50, MaxLabelLength = 100, MaxOverlap = 50,
        MaxTaskId = 128, MaxTaskData = 64 * 1024;

    /// <summary>Creates a draft campaign.</summary>
    public async Task<Outcome<CampaignView>> CreateAsync(string requester, CreateCampaign body,
        CancellationToken ct = default)
    {
        var assets = database.Read(Postings.Assets);
        var asset = body.Asset ?? options.DefaultAsset;
        var labels = body.Labels ?? [];
        var validation = new Validation()
            .Require(!string.IsNullOrWhiteSpace(body.Title) && body.Title.Length <= MaxTitle, "title",
                $"A title is 1 to {MaxTitle} characters.")
            .Require((body.Instructions ?? "").Length <= MaxInstructions, "instructions",
                $"Instructions are at most {MaxInstructions} characters.")
            .Require(body.Kind == Classification, "kind", "The kind is \"classification\".")
            .Require(labels.Count is >= 2 and <= MaxLabels, "labels", $"A classification has 2 to {MaxLabels} labels.")
            .Require(labels.All(l => !string.IsNullOrWhiteSpace(l) && l.Length <= MaxLabelLength), "labels",
                $"Each label is 1 to {MaxLabelLength} characters.")
            .Require(labels.Distinct(StringComparer.Ordinal).Count() == labels.Count, "labels", "Labels are distinct.")
            .Require(body.Reward is > 0, "reward", "The reward is a positive number of base units.")
            .Require(body.Budget is > 0, "budget", "The budget is a positive number of base units.")
            .Require(body.Budget is null || body.Reward is null || body.Budget >= body.Reward, "budget",
                "The budget pays for at least one submission (budget ≥ reward).")
            .Require(body.Overlap is null or (>= 1 and <= MaxOverlap), "overlap",
                $"Overlap is 1 to {MaxOverlap} answers per task.")
            .Require(assets.Any(a => a.Symbol == asset), "asset", $"No asset {asset}.");
        var overlap = body.Overlap ?? 3;
        var policy = Policies.From(body.Policy, overlap, validation);
        if (!validation.IsValid)
        {
            return Problem.Invalid(validation);
        }
        var row = new CampaignRow
        {
            Id = Ids.New("cmp", time), Requester = requester, Title = body.Title!.Trim(),
            Instructions = body.Instructions ?? "", Kind = Classification,
            Labels = JsonSerializer.Serialize(labels), Reward = body.Reward!.Value, Budget = body.Budget!.Value,
            Overlap = overlap, Asset = asset,
            Policy = JsonSerializer.Serialize(policy),
            Status = CampaignStatus.Draft,
        };
        await database.WriteAsync(tx =>
        {
            row.CreatedAt = tx.NowMicros;
            return tx.Execute("""
                INSERT INTO campaigns(id, requester, title, instructions, kind, labels, reward, budget, overlap, asset,
                    policy, status, created_at)
                VALUES (@Id, @Requester, @Title, @Instructions, @Kind, @Labels, @Reward, @Budget, @Overlap, @Asset,
                    @Policy, @Status, @CreatedAt)
                """, row);
        }, ct).ConfigureAwait(false);
        return View(row.Id)!;
    }

    /// <summary>
    /// Tasks inserted per piece of the writer's work. A request of thousands is added in several pieces so that the
    /// contributors' leases and submissions queued meanwhile are not held behind one long insert (5,000 tasks in one
    /// piece held the writer 34–125 ms, bench/README.md §5).
    /// </summary>
    public const int TasksPerPiece = 500;

    /// <summary>
    /// Adds tasks; a task whose id the campaign already has is left as it is (the call is idempotent). The whole
    /// request is validated in its first piece, before anything is written; each later piece of
    /// <see cref="TasksPerPiece"/> is a commit of its own, and goes on even if the caller hangs up, so a request is
    /// cut short only by the server stopping, after which the same request adds the rest.
    /// </summary>
    public async Task<Outcome<AddedTasks>> AddTasksAsync(string requester, string campaignId,
        IReadOnlyList<NewTask>? tasks, CancellationToken ct = default)
    {
        tasks ??= [];
        var validation = new Validation()
            .Require(tasks.Count is > 0, "tasks", "Send at least one task.")
            .Require(tasks.Count <= options.MaxTasksPerRequest, "tasks",
                $"Send at most {options.MaxTasksPerRequest} tasks per request.");
        if (!validation.IsValid)
        {
            return Problem.Invalid(validation);
        }
        var added = 0;
        for (var from = 0; from < tasks.Count; from += TasksPerPiece)
        {
            var (first, piece) = (from == 0, tasks.Skip(from).Take(TasksPerPiece));
            var outcome = await database.WriteAsync<Outcome<int>>(
                tx => AddPiece(tx, requester, campaignId, first ? tasks : null, piece),
                first ? ct : CancellationToken.None).ConfigureAwait(false);
            if (!outcome.IsOk)
            {
                return first
                    ? new Outcome<AddedTasks>(null, outcome.Error, outcome.Detail, outcome.Errors)
                    : Problem.Of(outcome.Error!.Value, $"{outcome.Detail} The first {added} of the tasks were added.");
            }
            added += outcome.Value;
        }
        return new AddedTasks(added, tasks.Count - added);
    }

    /// <summary>
    /// One piece of an addition: checks the campaign (and, in the first piece, every task of the request), then
    /// inserts the piece's tasks; answers how many were new.
    /// </summary>
    private Outcome<int> AddPiece(StoreTx tx, string requester, string campaignId, IReadOnlyList<NewTask>? validate,
        IEnumerable<NewTask> piece)
    {
        var campaign = CampaignRow.Load(tx, campaignId);
        if (campaign is null || campaign.Requester != requester)
        {
            return Problem.Of(Failure.NotFound, "No such campaign of yours.");
        }
        if (campaign.Status == CampaignStatus.Closed)
        {
            return Problem.Of(Failure.Conflict, "The campaign is closed.");
        }
        if (validate is not null && Validate(validate, campaign.LabelList) is { IsValid: false } invalid)
        {
            return Problem.Invalid(invalid);
        }
        var added = 0;
        var gold = 0;
        var next = campaign.TaskCount;
        foreach (var t in piece)
        {
            var inserted = tx.Execute("""
                INSERT INTO tasks(campaign_id, seq, id, data, gold, required, status)
                VALUES (@campaignId, @seq, @Id, @data, @Gold, @required, 'open')
                ON CONFLICT(campaign_id, id) DO NOTHING
                """, new
            {
                campaignId, seq = next, t.Id, data = t.Data!.Value.GetRawText(), t.Gold,
                required = campaign.VerificationPolicy.InitialRequired,
            });
            next += inserted;
            added += inserted;
            gold += t.Gold is null ? 0 : inserted;
        }
        tx.Execute("UPDATE campaigns SET task_count = @next, gold_count = gold_count + @gold WHERE id = @campaignId",
            new { next, gold, campaignId });
        return added;
    }

    /// <summary>Every task of a request: an id unique in the request, a JSON object as data, gold among the labels.</summary>
    private static Validation Validate(IReadOnlyList<NewTask> tasks, IReadOnlyList<string> labels)
    {
        var validation = new Validation();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++)
        {
            var t = tasks[i];
            var at = $"tasks[{i}]";
            if (t is null)
            {
                return validation.Require(false, at, "A task is an object with id and data.");
            }
            validation
                .Require(!string.IsNullOrEmpty(t.Id) && t.Id.Length <= MaxTaskId, at + ".id",
                    $"A task id is 1 to {MaxTaskId} characters.")
                .Require(t.Id is null || seen.Add(t.Id), at + ".id", "Task ids are unique within a request.")
                .Require(t.Data is { ValueKind: JsonValueKind.Object }, at + ".data", "data is a JSON object.")
                .Require(t.Data is null || t.Data.Value.GetRawText().Length <= MaxTaskData, at + ".data",
                    $"data is at most {MaxTaskData} bytes.")
                .Require(t.Gold is null || labels.Contains(t.Gold), at + ".gold",
                    "gold is one of the campaign's labels.");
            if (!validation.IsValid)
            {
                return validation;
            }
        }
        return validation;
    }

    /// <summary>Publishes a draft: moves the budget from the requester into escrow and opens the campaign.</summary>
    public async Task<Outcome<Published>> PublishAsync(string requester, string campaignId,
        CancellationToken ct = default)
    {
        var outcome = await database.WriteAsync<Outcome<SignedTransfer>>(tx =>
        {
            var campaign = CampaignRow.Load(tx, campaignId);
            if (campaign is null || campaign.Requester != requester)
            {
                return Problem.Of(Failure.NotFound, "No such campaign of yours.");
            }
            if (campaign.Status != CampaignStatus.Draft)
            {
                return Problem.Of(Failure.Conflict, $"Only a draft can be published; this campaign is {campaign.Status}.");
            }
            if (campaign.TaskCount == 0)
            {
                return Problem.Of(Failure.Conflict, "Add tasks before publishing.");
            }
            var request = new TransferRequest("fund:" + campaign.Id, requester, SystemAccounts.Escrow(campaign.Id),
                campaign.Asset, campaign.Budget, TransferKinds.Fund, campaign.Id);
            var result = Postings.Post(tx, key, request, out var posted);
            if (result == TransferResult.InsufficientFunds)
            {
                var balance = Postings.Balance(tx, requester, campaign.Asset);
                return Problem.Of(Failure.Conflict,
                    $"The budget is {campaign.Budget} {campaign.Asset} base units but the balance is {balance}.");
            }
            Invariant.Check(result == TransferResult.Ok, $"funding {campaign.Id} failed: {result}");
            tx.Execute("UPDATE campaigns SET status = 'open', published_at = @now WHERE id = @campaignId",
                new { now = tx.NowMicros, campaignId });
            memory.StatusChanged(campaignId);
            return posted!;
        }, ct).ConfigureAwait(false);
        if (outcome.IsOk)
        {
            _workList = null; // a newly open campaign shows at once
            events.Publish(requester, new MarketEvent("campaign", new { id = campaignId, status = CampaignStatus.Open }));
        }
        // The view is made after the commit, so its receipt carries the block the commit sealed.
        return outcome.Map(funded =>
            new Published(CampaignStatus.Open, funded.Transfer.Amount, TransferView.Of(funded, chain)));
    }

    /// <summary>Closes a campaign: cancels open leases, settles pending submissions, refunds unspent escrow.</summary>
    public async Task<Outcome<Closed>> CloseAsync(string requester, string campaignId, CancellationToken ct = default)
    {
        var pending = new List<PendingEvent>();
        SignedTransfer? refundTransfer = null;
        var outcome = await database.WriteAsync<Outcome<Closed>>(tx =>
        {
            var campaign = CampaignRow.Load(tx, campaignId);
            if (campaign is null || campaign.Requester != requester)
            {
                return Problem.Of(Failure.NotFound, "No such campaign of yours.");
            }
            if (campaign.Status == CampaignStatus.Closed)
            {
                return Problem.Of(Failure.Conflict, "The campaign is already closed.");
            }
            long refunded = 0;
            if (campaign.Status == CampaignStatus.Open)
            {
                tx.Execute("UPDATE assignments SET status = 'cancelled' WHERE campaign_id = @campaignId AND status = 'active'",
                    new { campaignId });
                tx.Execute("UPDATE campaigns SET active_leases = 0 WHERE id = @campaignId", new { campaignId });
                tx.Execute("UPDATE tasks SET active = 0 WHERE campaign_id = @campaignId", new { campaignId });
                var open = tx.Query<TaskRow>("""
                    SELECT * FROM tasks WHERE campaign_id = @campaignId AND seq IN
                        (SELECT task_seq FROM submissions WHERE campaign_id = @campaignId AND status = 'pending')
                    ORDER BY seq
                    """, new { campaignId }).ToList();
                foreach (var task in open)
                {
                    TaskDecisions.DecideTask(tx, key, campaign, task, closing: true, pending);
                }
                var escrow = SystemAccounts.Escrow(campaign.Id);
                refunded = Postings.Balance(tx, escrow, campaign.Asset);
                if (refunded > 0)
                {
                    var result = Postings.Post(tx, key, new TransferRequest("refund:" + campaign.Id, escrow,
                        requester, campaign.Asset, refunded, TransferKinds.Refund, campaign.Id), out var posted);
                    Invariant.Check(result == TransferResult.Ok, $"refund of {campaign.Id} failed: {result}");
                    refundTransfer = posted;
                    pending.Add(PendingEvent.Paid(requester, posted!));
                }
                Invariant.Check(Postings.Balance(tx, escrow, campaign.Asset) == 0, $"escrow of {campaign.Id} not empty");
            }
            tx.Execute("UPDATE campaigns SET status = 'closed', closed_at = @now WHERE id = @campaignId",
                new { now = tx.NowMicros, campaignId });
            memory.StatusChanged(campaignId);
            return new Closed(CampaignStatus.Closed, refunded, null);
        }, ct).ConfigureAwait(false);
        if (outcome.IsOk)
        {
            _workList = null; // a closed campaign leaves at once
            pending.Add(new PendingEvent(requester,
                new MarketEvent("campaign", new { id = campaignId, status = CampaignStatus.Closed })));
            Work.PublishAll(events, chain, pending);
        }
        // The refund's view is made after the commit, so its receipt carries the block the commit sealed.
        return outcome.Map(closed => refundTransfer is null
            ? closed
            : closed with { Transfer = TransferView.Of(refundTransfer, chain) });
    }

    /// <summary>A campaign with its progress and money, for its requester.</summary>
    public Outcome<CampaignView> Get(string requester, string campaignId)
    {
        var view = View(campaignId);
        return view is null || database.Read(c => c.ExecuteScalar<string>(
                   "SELECT requester FROM campaigns WHERE id = @campaignId", new { campaignId })) != requester
            ? Problem.Of(Failure.NotFound, "No such campaign of yours.")
            : view;
    }

    /// <summary>The requester's campaigns, newest first.</summary>
    public IReadOnlyList<CampaignView> List(string requester) =>
        database.Read(c => c.Query<string>(
                "SELECT id FROM campaigns WHERE requester = @requester ORDER BY created_at DESC LIMIT 200",
                new { requester }).ToList())
            .Select(View).OfType<CampaignView>().ToList();

    /// <summary>
    /// Open campaigns with work left, for contributors looking for work, each with an honest pay estimate: the median
    /// time contributors took over its last <see cref="Figures.Window"/> submissions and the share of them paid.
    /// </summary>
    public IReadOnlyList<OpenCampaignView> ListOpen()
    {
        var now = time.GetUtcNow();
        if (_workList is { } cached && now - cached.At < WorkListFreshness && now >= cached.At)
        {
            return cached.Campaigns;
        }
        var list = ReadWorkList();
        _workList = new WorkList(now, list);
        return list;
    }

    private IReadOnlyList<OpenCampaignView> ReadWorkList() => database.Read(c =>
    {
        var open = c.Query<(string Id, string Title, string Kind, long Reward, string Asset, long Available)>($"""
            SELECT c.id, c.title, c.kind, c.reward, c.asset,
                (SELECT COUNT(*) FROM tasks t {database.Sql.IndexedBy("tasks_with_room")}
                    WHERE t.campaign_id = c.id AND t.gold IS NULL AND t.status = 'open' AND t.taken < t.required)
            FROM campaigns c WHERE c.status = 'open' ORDER BY c.published_at LIMIT 200
            """).ToList();
        return open.Select(r =>
        {
            var recent = c.Query<(long Micros, string Status)>("""
                SELECT s.submitted_at - a.created_at, s.status FROM submissions s
                JOIN assignments a ON a.id = s.assignment_id
                WHERE s.campaign_id = @Id ORDER BY s.seq DESC LIMIT @Window
                """, new { r.Id, Figures.Window }).ToList();
            var median = Figures.Median(recent.Select(x => x.Micros / 1e6).ToList());
            var decided = recent.Where(x => DecisionText.Parse(x.Status) != DecisionStatus.Pending).ToList();
            double? accepted = decided.Count >= Figures.MinSamples
                ? (double)decided.Count(x => DecisionText.Parse(x.Status) == DecisionStatus.Accepted) / decided.Count
                : null;
            return new OpenCampaignView(r.Id, r.Title, r.Kind, r.Reward, r.Asset, (int)r.Available, median, accepted,
                Figures.PayPerHour(r.Reward, accepted, median));
        }).ToList();
    });

    /// <summary>The live figures of a campaign for its requester: time to paid and decisions over time.</summary>
    public Outcome<CampaignStats> Stats(string requester, string campaignId) => database.Read<Outcome<CampaignStats>>(c =>
    {
        var campaign = c.QuerySingleOrDefault<CampaignRow>("SELECT * FROM campaigns WHERE id = @campaignId",
            new { campaignId });
        if (campaign is null || campaign.Requester != requester)
        {
            return Problem.Of(Failure.NotFound, "No such campaign of yours.");
        }
        var decided = c.Query<(long SubmittedAt, long DecidedAt, string Status)>("""
            SELECT submitted_at, decided_at, status FROM submissions
            WHERE campaign_id = @campaignId AND decided_at IS NOT NULL ORDER BY decided_at
            """, new { campaignId }).ToList();
        var toPaid = decided.Where(d => DecisionText.Parse(d.Status) == DecisionStatus.Accepted)
            .Select(d => (d.DecidedAt - d.SubmittedAt) / 1e3).ToList();
        var timeline = Figures.Timeline(campaign.PublishedAt, Time.ToMicros(time.GetUtcNow()), campaign.Reward,
            decided.Select(d => (d.DecidedAt, DecisionText.Parse(d.Status) == DecisionStatus.Accepted)).ToList());
        return new CampaignStats(campaignId, Figures.Distribution(toPaid), timeline);
    });

    /// <summary>
    /// Each task's answer and confidence — the decided answer once decided (what was paid for), else the campaign
    /// aggregator's current inference; gold tasks answer with their gold — and each contributor's quality.
    /// </summary>
    public Outcome<CampaignResults> Results(string requester, string campaignId) => database.Read<Outcome<CampaignResults>>(c =>
    {
        var campaign = c.QuerySingleOrDefault<CampaignRow>("SELECT * FROM campaigns WHERE id = @campaignId",
            new { campaignId });
        if (campaign is null || campaign.Requester != requester)
        {
            return Problem.Of(Failure.NotFound, "No such campaign of yours.");
        }
        var fit = CampaignModel.Run(c, null, campaign);
        var rows = c.Query<TaskRow>("SELECT * FROM tasks WHERE campaign_id = @campaignId ORDER BY seq", new { campaignId });
        var results = rows.Select(t =>
        {
            if (t.Gold is not null)
            {
                return new TaskResult(t.Id, t.Gold, 1.0, (int)t.Answers, true, true);
            }
            if (t.Status == TaskStatus.Decided)
            {
                return new TaskResult(t.Id, t.Answer, t.Confidence, (int)t.Answers, true, false);
            }
            var model = fit.For(t.Seq);
            return new TaskResult(t.Id, model.Answer, model.Answer is null ? null : model.Confidence, (int)t.Answers,
                false, false);
        }).ToList();
        var quality = fit.Matrix.WorkerIds.Select((w, i) => (w, i)).ToDictionary(x => x.w, x => fit.Result.WorkerQuality[x.i]);
        var contributors = c.Query<(string Contributor, long Submissions, long Accepted, long GoldAnswered, long GoldCorrect)>("""
            SELECT contributor, COUNT(*), COUNT(CASE WHEN status = 'accepted' THEN 1 END),
                COUNT(CASE WHEN gold = 1 THEN 1 END), COUNT(CASE WHEN gold = 1 AND status = 'accepted' THEN 1 END)
            FROM submissions WHERE campaign_id = @campaignId GROUP BY contributor ORDER BY contributor
            """, new { campaignId }).Select(r => new ContributorQuality(r.Contributor, (int)r.Submissions,
                (int)r.Accepted, (int)r.GoldAnswered, (int)r.GoldCorrect,
                new Verification.GoldRecord((int)r.GoldAnswered, (int)r.GoldCorrect).Quality,
                quality.GetValueOrDefault(r.Contributor))).ToList();
        return new CampaignResults(campaignId, fit.Aggregator.Version, results, contributors);
    });

    /// <summary>Results as CSV (RFC 4180): taskId,answer,confidence,submissions,decided,gold.</summary>
    public static string ToCsv(CampaignResults results)
    {
        var csv = new StringBuilder("taskId,answer,confidence,submissions,decided,gold\n");
        foreach (var r in results.Results)
        {
            csv.Append(Csv(r.TaskId)).Append(',').Append(Csv(r.Answer ?? "")).Append(',')
                .Append(r.Confidence?.ToString("0.####", CultureInfo.InvariantCulture) ?? "").Append(',')
                .Append(r.Submissions).Append(',').Append(r.Decided ? "true" : "false").Append(',')
                .Append(r.Gold ? "true" : "false").Append('\n');
        }
        return csv.ToString();
    }

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private CampaignView? View(string campaignId) => database.Read(c => View(c, campaignId));

    private static CampaignView? View(DbConnection c, string campaignId)
    {
        var row = c.QuerySingleOrDefault<CampaignRow>("SELECT * FROM campaigns WHERE id = @campaignId", new { campaignId });
        if (row is null)
        {
            return null;
        }
        var counts = c.QuerySingle<(long Gold, long Done)>("""
            SELECT COUNT(gold), COUNT(CASE WHEN status = 'decided' THEN 1 END)
            FROM tasks WHERE campaign_id = @campaignId
            """, new { campaignId });
        var subs = c.QuerySingle<(long All, long Accepted, long Rejected, long Pending)>("""
            SELECT COUNT(*), COUNT(CASE WHEN status = 'accepted' THEN 1 END),
                COUNT(CASE WHEN status = 'rejected' THEN 1 END), COUNT(CASE WHEN status = 'pending' THEN 1 END)
            FROM submissions WHERE campaign_id = @campaignId
            """, new { campaignId });
        var escrowAccount = SystemAccounts.Escrow(campaignId);
        var money = c.QuerySingle<(long Spent, long Refunded)>("""
            SELECT CAST(COALESCE(SUM(CASE WHEN kind = 'payout' THEN amount END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN kind = 'refund' THEN amount END), 0) AS BIGINT)
            FROM transfers WHERE debit = @escrowAccount
            """, new { escrowAccount });
        var escrow = c.ExecuteScalar<long?>("SELECT amount FROM balances WHERE account = @escrowAccount AND asset = @Asset",
            new { escrowAccount, row.Asset }) ?? 0;
        return new CampaignView(row.Id, row.Status, row.Title, row.Instructions, row.Kind, row.LabelList, row.Reward,
            row.Budget, (int)row.Overlap, row.Asset, row.VerificationPolicy, (int)row.TaskCount, (int)counts.Gold, (int)counts.Done,
            (int)subs.All, (int)subs.Accepted, (int)subs.Rejected, (int)subs.Pending, money.Spent, escrow,
            money.Refunded, Time.FromMicros(row.CreatedAt),
            row.PublishedAt is null ? null : Time.FromMicros(row.PublishedAt.Value),
            row.ClosedAt is null ? null : Time.FromMicros(row.ClosedAt.Value));
    }
}

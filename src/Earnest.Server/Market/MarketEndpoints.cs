using System.Security.Claims;
using Earnest.Market;
using Earnest.Server.Http;
using Earnest.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Earnest.Server.Market;

/// <summary>Body of POST /v1/campaigns/{id}/tasks.</summary>
public sealed record AddTasksRequest(IReadOnlyList<NewTask>? Tasks);

/// <summary>Body of POST /v1/assignments.</summary>
public sealed record LeaseRequest(string? CampaignId);

/// <summary>Body of POST /v1/assignments/{id}/submission.</summary>
public sealed record SubmissionRequest(string? Answer);

/// <summary>Campaigns (requester) and work (contributor).</summary>
public static class MarketEndpoints
{
    /// <summary>Body limit of the add-tasks call: room for 10,000 tasks of about 1 KiB each.</summary>
    public const long TasksBodyLimit = 16 * 1024 * 1024;

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        MapCampaigns(app.MapGroup("/v1/campaigns").WithTags("Campaigns").RequireAuthorization());
        MapWork(app.MapGroup("/v1").WithTags("Work").RequireAuthorization());
    }

    private static void MapCampaigns(RouteGroupBuilder campaigns)
    {
        campaigns.MapPost("", async Task<Results<Created<CampaignView>, ProblemHttpResult>> (
            CreateCampaign body, ClaimsPrincipal user, Node node, CancellationToken ct) =>
        {
            var outcome = await node.Campaigns.CreateAsync(user.Address(), body, ct);
            return outcome.IsOk ? TypedResults.Created($"/v1/campaigns/{outcome.Value!.Id}", outcome.Value) : Problems.From(outcome);
        }).WithSummary("Create a draft campaign.");

        campaigns.MapGet("", (ClaimsPrincipal user, Node node) => TypedResults.Ok(node.Campaigns.List(user.Address())))
            .WithSummary("The caller's campaigns, newest first.");

        campaigns.MapGet("/{id}", Results<Ok<CampaignView>, ProblemHttpResult> (
            string id, ClaimsPrincipal user, Node node) => Problems.Answer(node.Campaigns.Get(user.Address(), id)))
            .WithSummary("A campaign's progress and money.");

        campaigns.MapPost("/{id}/tasks", async Task<Results<Ok<AddedTasks>, ProblemHttpResult>> (
            string id, AddTasksRequest body, ClaimsPrincipal user, Node node, CancellationToken ct) =>
            Problems.Answer(await node.Campaigns.AddTasksAsync(user.Address(), id, body.Tasks, ct)))
            .WithMetadata(new BodyLimit(TasksBodyLimit))
            .WithSummary("Add tasks (idempotent by task id); gold is optional and never shown to contributors.");

        campaigns.MapPost("/{id}/publish", async Task<Results<Ok<Published>, ProblemHttpResult>> (
            string id, ClaimsPrincipal user, Node node, CancellationToken ct) =>
            Problems.Answer(await node.Campaigns.PublishAsync(user.Address(), id, ct)))
            .WithSummary("Move the budget into escrow and open the campaign.");

        campaigns.MapGet("/{id}/results", Results<Ok<CampaignResults>, ContentHttpResult, ProblemHttpResult> (
            string id, HttpRequest request, ClaimsPrincipal user, Node node) =>
        {
            var outcome = node.Campaigns.Results(user.Address(), id);
            if (!outcome.IsOk)
            {
                return Problems.From(outcome);
            }
            return request.Headers.Accept.ToString().Contains("text/csv", StringComparison.OrdinalIgnoreCase)
                ? TypedResults.Text(Campaigns.ToCsv(outcome.Value!), "text/csv; charset=utf-8")
                : TypedResults.Ok(outcome.Value);
        }).WithSummary("Each task's answer and confidence; Accept: text/csv for CSV.");

        campaigns.MapGet("/{id}/stats", Results<Ok<CampaignStats>, ProblemHttpResult> (
            string id, ClaimsPrincipal user, Node node) => Problems.Answer(node.Campaigns.Stats(user.Address(), id)))
            .WithSummary("Time from submission to payment, and decisions and spend over time.");

        campaigns.MapPost("/{id}/close", async Task<Results<Ok<Closed>, ProblemHttpResult>> (
            string id, ClaimsPrincipal user, Node node, CancellationToken ct) =>
            Problems.Answer(await node.Campaigns.CloseAsync(user.Address(), id, ct)))
            .WithSummary("Close: cancel open leases, settle pending submissions, refund unspent escrow.");
    }

    private static void MapWork(RouteGroupBuilder v1)
    {
        v1.MapGet("/work", (Node node) => TypedResults.Ok(node.Campaigns.ListOpen()))
            .WithSummary("Open campaigns with work left.");

        v1.MapPost("/assignments", async Task<Results<Created<AssignmentView>, NoContent, ProblemHttpResult>> (
            LeaseRequest? body, ClaimsPrincipal user, Node node, CancellationToken ct) =>
        {
            var outcome = await node.Work.LeaseAsync(user.Address(), body?.CampaignId, ct);
            if (!outcome.IsOk)
            {
                return Problems.From(outcome);
            }
            return outcome.Value is null
                ? TypedResults.NoContent()
                : TypedResults.Created($"/v1/assignments/{outcome.Value.Id}", outcome.Value);
        }).WithSummary("Lease the next task the caller may do; 204 when there is none.")
            .WithMetadata(ShedWhenBusy.Instance).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        v1.MapPost("/assignments/{id}/submission", async Task<Results<Ok<SubmissionOutcome>, ProblemHttpResult>> (
            string id, SubmissionRequest body, ClaimsPrincipal user, Node node, CancellationToken ct) =>
            Problems.Answer(await node.Work.SubmitAsync(user.Address(), id, body.Answer, ct)))
            .WithSummary("Submit an answer; accepted answers are paid in the same commit.");

        v1.MapPost("/assignments/{id}/release", async Task<Results<Ok<AssignmentReleased>, ProblemHttpResult>> (
            string id, ClaimsPrincipal user, Node node, CancellationToken ct) =>
            Problems.Answer(await node.Work.ReleaseAsync(user.Address(), id, ct)))
            .WithSummary("Skip a leased task: it goes back to others and is not offered to the caller again.");

        v1.MapGet("/submissions", Results<Ok<IReadOnlyList<SubmissionView>>, ProblemHttpResult> (
            ClaimsPrincipal user, Node node, int? limit) =>
        {
            if (limit is not null and (< 1 or > 500))
            {
                return Problems.Result(422, "limit is 1 to 500.");
            }
            return TypedResults.Ok(node.Work.Submissions(user.Address(), limit ?? 100));
        }).WithSummary("The caller's submissions with their decisions, newest first.");
    }
}

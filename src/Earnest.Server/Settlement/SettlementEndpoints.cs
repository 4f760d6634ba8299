using System.Security.Claims;
using Earnest.Server.Http;
using Earnest.Server.Identity;
using Earnest.Settlement;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Earnest.Server.Settlement;

/// <summary>Withdrawals to Solana, deposits from it, and the anchors of the ledger's blocks written there.</summary>
public static class SettlementEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("Settlement");
        v1.MapPost("/withdrawals", async Task<Results<Accepted<WithdrawalView>, ProblemHttpResult>> (
            WithdrawalRequest body, ClaimsPrincipal user, Node node, CancellationToken ct) =>
        {
            var outcome = await node.Withdrawals.RequestAsync(user.Address(), body, ct);
            return outcome.IsOk
                ? TypedResults.Accepted($"/v1/withdrawals/{Uri.EscapeDataString(outcome.Value!.Id)}", outcome.Value)
                : Problems.From(outcome);
        }).RequireAuthorization()
            .WithSummary("Withdraw to a Solana wallet: the amount leaves the balance at once and is paid on chain by the settler; id makes a retry safe.");

        v1.MapGet("/withdrawals", Results<Ok<IReadOnlyList<WithdrawalView>>, ProblemHttpResult> (
            ClaimsPrincipal user, Node node, int? limit) => Problems.Answer(node.Withdrawals.List(user.Address(), limit)))
            .RequireAuthorization().WithSummary("The caller's withdrawals, newest first, with their status on chain.");

        v1.MapGet("/withdrawals/{id}", Results<Ok<WithdrawalView>, ProblemHttpResult> (
            string id, ClaimsPrincipal user, Node node) => Problems.Answer(node.Withdrawals.Get(user.Address(), id)))
            .RequireAuthorization().WithSummary("One of the caller's withdrawals.");

        v1.MapPost("/deposits", async Task<Results<Created<DepositAddressView>, ProblemHttpResult>> (
            DepositRequest body, ClaimsPrincipal user, Node node, CancellationToken ct) =>
        {
            var outcome = await node.Deposits.OpenAsync(user.Address(), body, ct);
            return outcome.IsOk
                ? TypedResults.Created($"/v1/deposits/{outcome.Value!.Reference}", outcome.Value)
                : Problems.From(outcome);
        }).RequireAuthorization()
            .WithSummary("A deposit address and a fresh reference (Solana Pay style): a transfer to it carrying the reference is credited to the caller, once.");

        v1.MapGet("/deposits", Results<Ok<IReadOnlyList<DepositAddressView>>, ProblemHttpResult> (
            ClaimsPrincipal user, Node node, int? limit) => Problems.Answer(node.Deposits.List(user.Address(), limit)))
            .RequireAuthorization().WithSummary("The caller's deposit references, newest first, with what each has credited.");

        v1.MapGet("/ledger/anchors", Results<Ok<IReadOnlyList<AnchorView>>, ProblemHttpResult> (Node node, int? limit) =>
            Problems.Answer(node.Anchors.List(limit)))
            .WithSummary("The block hashes written on Solana, highest block first.");
    }
}

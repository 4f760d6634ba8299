using System.Security.Claims;
using Earnest.Ledger;
using Earnest.Server.Http;
using Earnest.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Earnest.Server.Ledger;

/// <summary>Body of POST /v1/faucet; <c>id</c> (optional) makes a retry safe.</summary>
public sealed record FaucetRequest(long? Amount, string? Id);

/// <summary>The network's receipt-signing key.</summary>
public sealed record LedgerKeyView(string Signer);

/// <summary>Assets, accounts, transfers, receipts and the faucet.</summary>
public static class LedgerEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("Ledger");
        v1.MapGet("/assets", (Node node) => TypedResults.Ok(node.Issuance.List()))
            .WithSummary("The assets of this network, with supply minted and maximum supply.");

        v1.MapPost("/assets", async Task<Results<Created<AssetView>, ProblemHttpResult>> (
            CreateAsset body, ClaimsPrincipal user, Node node, CancellationToken ct) =>
        {
            var outcome = await node.Issuance.CreateAsync(user.Address(), body, ct);
            return outcome.IsOk
                ? TypedResults.Created($"/v1/assets/{outcome.Value!.Symbol}", outcome.Value)
                : Problems.From(outcome);
        }).RequireAuthorization().WithSummary("Issue a new asset (symbol, decimals, maximum supply); the caller is its issuer.");

        v1.MapPost("/assets/{symbol}/mint", async Task<Results<Ok<PaymentView>, ProblemHttpResult>> (
            string symbol, MintRequest body, ClaimsPrincipal user, Node node, CancellationToken ct) =>
        {
            var outcome = await node.Issuance.MintAsync(user.Address(), symbol, body, ct);
            return Problems.Answer(outcome);
        }).RequireAuthorization().WithSummary("Mint an asset within its maximum supply (issuer only); id makes a retry safe.");

        v1.MapGet("/ledger/head", Results<Ok<BlockView>, ProblemHttpResult> (Node node) =>
            node.Chain.HeadView() is { } head
                ? TypedResults.Ok(head)
                : Problems.From<BlockView>(Problem.Of(Failure.NotFound, "No block yet: nothing was transferred.")))
            .WithSummary("The newest signed block header.");

        v1.MapGet("/ledger/blocks/{height:long}", Results<Ok<BlockDetailView>, ProblemHttpResult> (long height, Node node) =>
            node.Chain.Block(height) is { } block
                ? TypedResults.Ok(block)
                : Problems.From<BlockDetailView>(Problem.Of(Failure.NotFound, $"No block {height}.")))
            .WithSummary("One signed block header and the ids of its transfers, in Merkle-leaf order.");

        v1.MapGet("/receipts/{transferId}", Results<Ok<Receipt>, ProblemHttpResult> (
            string transferId, ClaimsPrincipal user, Node node) =>
        {
            var outcome = node.Funds.Receipt(user.Address(), transferId);
            return Problems.Answer(outcome);
        }).RequireAuthorization().WithSummary("The receipt of one of the caller's transfers, with its signed block and Merkle proof.");

        v1.MapGet("/ledger/key", (Node node) => TypedResults.Ok(new LedgerKeyView(node.Key.Signer)))
            .WithSummary("The key that signs every receipt.");

        v1.MapGet("/accounts/me", (ClaimsPrincipal user, Node node) => TypedResults.Ok(node.Funds.Account(user.Address())))
            .RequireAuthorization().WithSummary("The caller's balances.");

        v1.MapGet("/accounts/me/transfers", Results<Ok<IReadOnlyList<TransferView>>, ProblemHttpResult> (
            ClaimsPrincipal user, Node node, string? after, int? limit) =>
        {
            var outcome = node.Funds.History(user.Address(), after, limit);
            return Problems.Answer(outcome);
        }).RequireAuthorization().WithSummary("The caller's transfers with receipts, newest first; page with ?after=<id>.");

        v1.MapGet("/transfers/{id}", Results<Ok<TransferView>, ProblemHttpResult> (
            string id, ClaimsPrincipal user, Node node) =>
        {
            var outcome = node.Funds.Find(user.Address(), id);
            return Problems.Answer(outcome);
        }).RequireAuthorization().WithSummary("One of the caller's transfers with its receipt.");

        v1.MapPost("/faucet", async Task<Results<Ok<PaymentView>, ProblemHttpResult>> (
            FaucetRequest body, ClaimsPrincipal user, Node node, CancellationToken ct) =>
        {
            if (body.Amount is null)
            {
                return Problems.From<PaymentView>(Problem.Invalid(new Validation().Require(false, "amount",
                    "The amount is required.")));
            }
            var outcome = await node.Funds.FaucetAsync(user.Address(), body.Amount.Value, body.Id, ct);
            return Problems.Answer(outcome);
        }).RequireAuthorization().WithSummary("Mint the default asset to the caller (dev network only).");
    }
}

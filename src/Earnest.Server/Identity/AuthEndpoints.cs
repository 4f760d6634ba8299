using System.Security.Claims;
using Earnest.Identity;
using Earnest.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Earnest.Server.Identity;

/// <summary>Body of POST /v1/auth/challenge.</summary>
public sealed record ChallengeRequest(string? Address);

/// <summary>Body of POST /v1/auth/token.</summary>
public sealed record TokenRequest(string? Address, string? Message, string? Signature);

/// <summary>An API key, shown once.</summary>
public sealed record ApiKeyView(string Key);

/// <summary>Sign-in with a wallet and API keys.</summary>
public static class AuthEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/v1/auth").WithTags("Sign-in");
        auth.MapPost("/challenge", async Task<Results<Ok<ChallengeView>, ProblemHttpResult>> (
            ChallengeRequest body, Node node, CancellationToken ct) =>
        {
            var outcome = await node.SignIn.ChallengeAsync(body.Address, ct);
            return Problems.Answer(outcome);
        }).WithSummary("Issue a one-time message for a wallet to sign.")
            .WithMetadata(ShedWhenBusy.Instance).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        auth.MapPost("/token", async Task<Results<Ok<TokenView>, ProblemHttpResult>> (
            TokenRequest body, Node node, CancellationToken ct) =>
        {
            var outcome = await node.SignIn.TokenAsync(body.Address, body.Message, body.Signature, ct);
            return Problems.Answer(outcome);
        }).WithSummary("Exchange a signed challenge for a bearer token.");

        app.MapPost("/v1/api-keys", async Task<Created<ApiKeyView>> (ClaimsPrincipal user, Node node,
                CancellationToken ct) =>
            TypedResults.Created((string?)null, new ApiKeyView(await node.SignIn.CreateApiKeyAsync(user.Address(), ct))))
            .RequireAuthorization().WithTags("Sign-in").WithSummary("Create an API key for the signed-in account.");
    }
}

using System.Security.Claims;
using System.Text.Encodings.Web;
using Earnest.Server.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Earnest.Server.Identity;

/// <summary>Authenticates <c>Authorization: Bearer &lt;token or API key&gt;</c> against the stored hashes.</summary>
public sealed class BearerAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, Node node) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "Bearer";

    /// <inheritdoc />
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail("Use Authorization: Bearer <token>."));
        }
        var address = node.SignIn.Authenticate(header["Bearer ".Length..].Trim());
        if (address is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The token is unknown or expired."));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, address)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <inheritdoc />
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var failure = Context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Failure?.Message;
        return Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized,
            failure ?? "Sign in with POST /v1/auth/challenge and /v1/auth/token, then send Authorization: Bearer <token>.");
    }
}

/// <summary>Reads the signed-in account.</summary>
public static class Caller
{
    /// <summary>The address of the signed-in account (endpoints that require authorization only).</summary>
    public static string Address(this ClaimsPrincipal user) =>
        user.Identity?.Name ?? throw new InvalidOperationException("The endpoint requires authorization.");
}

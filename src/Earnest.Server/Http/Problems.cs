using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Earnest.Server.Http;

/// <summary>
/// The one place where failures become RFC 9457 problem+json: each <see cref="Failure"/> has one status, one type
/// URI and one title.
/// </summary>
public static class Problems
{
    /// <summary>HTTP status of a failure.</summary>
    public static int Status(Failure failure) => failure switch
    {
        Failure.Malformed => StatusCodes.Status400BadRequest,
        Failure.Unauthorized => StatusCodes.Status401Unauthorized,
        Failure.Forbidden => StatusCodes.Status403Forbidden,
        Failure.NotFound => StatusCodes.Status404NotFound,
        Failure.Conflict => StatusCodes.Status409Conflict,
        Failure.Invalid => StatusCodes.Status422UnprocessableEntity,
        Failure.Limited => StatusCodes.Status429TooManyRequests,
        _ => throw new ArgumentOutOfRangeException(nameof(failure)),
    };

    /// <summary>The problem document of a status.</summary>
    public static ProblemDetails Of(int status, string detail, IReadOnlyDictionary<string, string[]>? errors = null)
    {
        var (slug, title) = status switch
        {
            400 => ("malformed", "The request is malformed."),
            401 => ("unauthorized", "Sign in first."),
            403 => ("forbidden", "Not allowed."),
            404 => ("not-found", "Not found."),
            409 => ("conflict", "Conflicts with the current state."),
            413 => ("too-large", "The request body is too large."),
            415 => ("unsupported-media-type", "Send JSON (application/json)."),
            422 => ("invalid", "The request is well-formed but invalid."),
            429 => ("rate-limited", "Too many requests."),
            _ => ("error", "The request failed."),
        };
        var problem = errors is null
            ? new ProblemDetails()
            : new HttpValidationProblemDetails(errors.ToDictionary(e => e.Key, e => e.Value));
        problem.Type = "urn:earnest:problem:" + slug;
        problem.Title = title;
        problem.Status = status;
        problem.Detail = detail;
        return problem;
    }

    /// <summary>The problem result of a failed outcome.</summary>
    public static ProblemHttpResult From<T>(Outcome<T> outcome) =>
        TypedResults.Problem(Of(Status(outcome.Error!.Value), outcome.Detail, outcome.Errors));

    /// <summary>200 with the outcome's value, or the problem of a failed outcome.</summary>
    public static Results<Ok<T>, ProblemHttpResult> Answer<T>(Outcome<T> outcome) =>
        outcome.IsOk ? TypedResults.Ok(outcome.Value) : From(outcome);

    /// <summary>A problem result with the given status.</summary>
    public static ProblemHttpResult Result(int status, string detail) => TypedResults.Problem(Of(status, detail));

    /// <summary>Writes a problem document straight to the response (for middleware).</summary>
    public static Task WriteAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(Of(status, detail), (System.Text.Json.JsonSerializerOptions?)null,
            "application/problem+json");
    }
}

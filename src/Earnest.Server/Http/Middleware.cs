using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Earnest.Server.Http;

/// <summary>An endpoint's own body-size limit, in bytes (the default applies elsewhere).</summary>
public sealed record BodyLimit(long Bytes);

/// <summary>
/// An endpoint that starts new work (a sign-in, a lease) rather than finishing work under way: refused with 503 while
/// the writer's queue is longer than <see cref="ServerOptions.MaxQueueWait"/>.
/// </summary>
public sealed record ShedWhenBusy
{
    public static readonly ShedWhenBusy Instance = new();
}

/// <summary>
/// Request plumbing: load shedding, body limits per endpoint and problem+json for requests the framework rejects.
/// </summary>
public static partial class Middleware
{
    /// <summary>
    /// Refuses new work while the writer is backed up (<see cref="ShedWhenBusy"/>), applies the endpoint's
    /// <see cref="BodyLimit"/> and turns a rejected request (bad JSON, a body too large) into
    /// problem+json with the reason. Anything else that escapes a handler is a bug: it is logged and answered 500
    /// without internals.
    /// </summary>
    public static async Task HandleAsync(HttpContext context, RequestDelegate next, ServerOptions options,
        Earnest.Storage.Database database, ILogger logger)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<ShedWhenBusy>() is not null && options.MaxQueueWait > TimeSpan.Zero
            && database.QueueWait is var wait && wait > options.MaxQueueWait)
        {
            // New work waits for the backlog to drain; the work under way (submissions, reads) goes on.
            var after = (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, 60);
            context.Response.Headers.RetryAfter = after.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"The server is busy: work queued now would wait over {options.MaxQueueWait.TotalSeconds:0.###} s; " +
                $"try again in {after} s.");
            return;
        }
        var limit = endpoint?.Metadata.GetMetadata<BodyLimit>()?.Bytes ?? options.MaxBodyBytes;
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }
        if (context.Request.ContentLength > limit)
        {
            await Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge,
                $"The body has {context.Request.ContentLength} bytes; this endpoint takes at most {limit}.");
            return;
        }
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            var status = ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? 413 : ex.StatusCode;
            var detail = status == 413
                ? $"The body is larger than this endpoint takes ({limit} bytes)."
                : Describe(ex);
            await Problems.WriteAsync(context, status, detail);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (global::Earnest.Ledger.LedgerIndexBehindException ex) when (!context.Response.HasStarted)
        {
            LogUnhandled(logger, ex, context.Request.Method, context.Request.Path);
            context.Response.Headers.RetryAfter = "5";
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                "The ledger's index is behind its log; try again shortly.");
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            LogUnhandled(logger, ex, context.Request.Method, context.Request.Path);
            await Problems.WriteAsync(context, StatusCodes.Status500InternalServerError,
                "An internal error occurred; it was logged.");
        }
    }

    private static string Describe(BadHttpRequestException ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is JsonException json)
            {
                return "The body is not valid for this endpoint: " + json.Message;
            }
        }
        return ex.Message;
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}

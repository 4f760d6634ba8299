using System.Security.Claims;
using System.Text.Json;
using Earnest.Server.Identity;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Earnest.Server.Market;

/// <summary>The caller's live events as Server-Sent Events.</summary>
public static class EventEndpoints
{
    /// <summary>How often an idle stream sends a comment line, so proxies keep it open and dead peers are noticed.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/v1/events", StreamAsync).RequireAuthorization().WithTags("Events")
            .WithSummary("Server-Sent Events: payment, decision, campaign, progress and withdrawal events for the caller.");

    private static async Task StreamAsync(HttpContext context, ClaimsPrincipal user, Node node,
        IOptions<JsonOptions> json, IHostApplicationLifetime lifetime)
    {
        // The stream ends when the client leaves or the server stops, whichever comes first.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted,
            lifetime.ApplicationStopping);
        var ct = ended.Token;
        using var subscription = node.Events.Subscribe(user.Address());
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        await context.Response.WriteAsync(": connected\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
        var reader = subscription.Reader;
        while (!ct.IsCancellationRequested)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(Heartbeat);
            bool more;
            try
            {
                more = await reader.WaitToReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                await context.Response.WriteAsync(": ping\n\n", ct);
                await context.Response.Body.FlushAsync(ct);
                continue;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (!more)
            {
                return;
            }
            while (reader.TryRead(out var e))
            {
                var data = JsonSerializer.Serialize(e.Data, e.Data.GetType(), json.Value.SerializerOptions);
                await context.Response.WriteAsync($"event: {e.Type}\ndata: {data}\n\n", ct);
            }
            await context.Response.Body.FlushAsync(ct);
        }
    }
}

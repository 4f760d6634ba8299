using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Earnest.Server.Http;
using Earnest.Server.Identity;
using Earnest.Server.Ledger;
using Earnest.Server.Market;
using Earnest.Server.Settlement;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Earnest.Server;

/// <summary>Settings of the HTTP server.</summary>
public sealed class ServerOptions
{
    /// <summary>Addresses to listen on; port 0 picks a free port.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Largest request body by default, in bytes; some endpoints allow more.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Requests per second one caller (token, else IP address) may make, sustained.</summary>
    public int RequestsPerSecond { get; set; } = 200;

    /// <summary>Requests one caller may make in a burst above the sustained rate.</summary>
    public int RequestBurst { get; set; } = 400;

    /// <summary>
    /// The longest the writer's queue may hold work before new work (sign-ins, leases) is refused with 503 and a
    /// Retry-After; submissions and reads are never refused for it. Zero: never refused.
    /// </summary>
    public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Minimum level of log lines.</summary>
    public LogLevel LogLevel { get; set; } = LogLevel.Warning;
}

/// <summary>Builds the HTTP server of a node: the API of API.md, the event stream and OpenAPI.</summary>
public static partial class EarnestServer
{
    /// <summary>JSON settings of the API: camelCase, strict numbers, unknown fields refused.</summary>
    public static void ConfigureJson(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        json.NumberHandling = JsonNumberHandling.Strict;
        json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        json.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        json.Converters.Add(new Earnest.Client.UtcTimeConverter());
    }

    /// <summary>
    /// Creates the web application; the caller starts it and disposes the node after it stops. With a
    /// <paramref name="settler"/> the server also runs it every settlement interval (<see cref="SettlementService"/>).
    /// </summary>
    public static WebApplication Create(Node node, ServerOptions options, Earnest.Settlement.Settler? settler = null)
    {
        // No reloading of appsettings files (Earnest reads its own configuration): the watcher behind it follows the
        // content root's whole tree, where a data folder inside it turns every commit into file events to process.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Logging.SetMinimumLevel(options.LogLevel);
        // Authentication pulls in data protection, which warns about unencrypted keys; Earnest does not use it.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        });
        builder.Services.AddSingleton(node);
        builder.Services.AddSingleton<TimeProvider>(node.Time);
        if (settler is not null)
        {
            builder.Services.AddSingleton(settler);
            builder.Services.AddSingleton<SettlementService>();
            builder.Services.AddHostedService(s => s.GetRequiredService<SettlementService>());
        }
        builder.Services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Earnest API";
            document.Info.Description = "An open Internet Labor Market: campaigns, work, verification, payments with signed receipts.";
            return Task.CompletedTask;
        }));
        builder.Services.AddAuthentication(BearerAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerAuthentication>(BearerAuthentication.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddRateLimiter(limiter =>
        {
            // Operational policy on the wall clock, not part of any replayable decision.
            limiter.GlobalLimiter = new CallerRateLimiter<HttpContext>(PartitionKey, options.RequestsPerSecond,
                options.RequestBurst, TimeProvider.System);
            limiter.OnRejected = (context, _) =>
            {
                // Retry-After: when the caller's bucket holds a token again (whole seconds, at least one).
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 1;
                context.HttpContext.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return new ValueTask(Problems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests,
                    $"At most {options.RequestsPerSecond} requests per second (bursts of {options.RequestBurst}); retry in {wait} s."));
            };
        });

        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Earnest.Server");
        app.UseStatusCodePages(async context =>
        {
            var response = context.HttpContext.Response;
            if (response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
            {
                await Problems.WriteAsync(context.HttpContext, response.StatusCode,
                    response.StatusCode == 404 ? "No such endpoint." : "The request was refused.");
            }
        });
        app.UseRouting();
        app.Use((context, next) => Middleware.HandleAsync(context, next, options, node.Database, logger));
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.MapOpenApi();
        var started = node.Time.GetUtcNow();
        // Liveness plus the process's memory, so a load generator or a monitor can watch it from outside.
        app.MapGet("/healthz", () =>
        {
            using var process = System.Diagnostics.Process.GetCurrentProcess();
            return TypedResults.Ok(new
            {
                status = "ok", workingSetBytes = process.WorkingSet64, managedHeapBytes = GC.GetTotalMemory(false),
                startedAt = started,
            });
        }).ExcludeFromDescription();
        AuthEndpoints.Map(app);
        LedgerEndpoints.Map(app);
        MarketEndpoints.Map(app);
        SettlementEndpoints.Map(app);
        EventEndpoints.Map(app);
        WebApps.Map(app);
        return app;
    }

    /// <summary>
    /// Rate-limit partition: the signed-in account (authentication runs first), else the client's IP address, so a
    /// made-up token does not buy a fresh bucket.
    /// </summary>
    private static string PartitionKey(HttpContext context) =>
        context.User.Identity?.Name is { } account ? "a:" + account : "ip:" + context.Connection.RemoteIpAddress;

    /// <summary>The base URL the started application listens on (with the real port when 0 was asked).</summary>
    public static string ListeningUrl(WebApplication app) =>
        app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!
            .Addresses.First().TrimEnd('/');
}

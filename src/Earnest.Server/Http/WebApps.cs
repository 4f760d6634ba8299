using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Earnest.Server.Http;

/// <summary>
/// The web apps (contributor app under /app/, requester dashboard under /dashboard/, their shared modules under
/// /shared/): static files built into the server's assembly, so a single binary serves them with no build step and no
/// network. Each file is compressed once at start-up (Brotli and gzip) and served with an ETag, so a phone on a slow
/// connection downloads each byte once and then only revalidates.
/// </summary>
public static class WebApps
{
    private const string Prefix = "wwwroot/";

    /// <summary>What an HTML page may load: only this server's own scripts, styles and API.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly Lazy<IReadOnlyDictionary<string, Asset>> Assets = new(Load);

    private sealed record Asset(string ContentType, byte[] Raw, byte[] Brotli, byte[] Gzip, string ETag);

    /// <summary>Maps / (to the contributor app) and each app's files.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => TypedResults.Redirect("/app/")).ExcludeFromDescription();
        foreach (var folder in Assets.Value.Keys.Select(k => k.Split('/')[0]).Distinct())
        {
            // "/app" and "/app/" both reach here; only "/app/" resolves the page's relative links, so the first redirects.
            app.MapGet($"/{folder}/{{**path}}", (HttpContext context, string? path) =>
                string.IsNullOrEmpty(path) && !context.Request.Path.Value!.EndsWith('/')
                    ? Redirect(context, $"/{folder}/")
                    : Serve(context, folder + "/" + (string.IsNullOrEmpty(path) ? "index.html" : path)))
                .ExcludeFromDescription();
        }
    }

    private static Task Redirect(HttpContext context, string location)
    {
        context.Response.Redirect(location);
        return Task.CompletedTask;
    }

    private static async Task Serve(HttpContext context, string path)
    {
        if (!Assets.Value.TryGetValue(path, out var asset))
        {
            await Problems.WriteAsync(context, StatusCodes.Status404NotFound, "No such file.");
            return;
        }
        var response = context.Response;
        var headers = response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers.Vary = HeaderNames.AcceptEncoding;
        headers.XContentTypeOptions = "nosniff";
        if (asset.ContentType.StartsWith("text/html", StringComparison.Ordinal))
        {
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers["Referrer-Policy"] = "no-referrer";
        }
        if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        var accepts = context.Request.Headers.AcceptEncoding.ToString();
        var (body, encoding) = accepts.Contains("br", StringComparison.Ordinal) ? (asset.Brotli, "br")
            : accepts.Contains("gzip", StringComparison.Ordinal) ? (asset.Gzip, "gzip")
            : (asset.Raw, null);
        if (encoding is not null)
        {
            headers.ContentEncoding = encoding;
        }
        response.ContentType = asset.ContentType;
        response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    /// <summary>The served files and their sizes (raw, Brotli), for the README's byte budget and tests.</summary>
    public static IReadOnlyDictionary<string, (int Raw, int Brotli)> Sizes() =>
        Assets.Value.ToDictionary(a => a.Key, a => (a.Value.Raw.Length, a.Value.Brotli.Length));

    private static IReadOnlyDictionary<string, Asset> Load()
    {
        var assembly = typeof(WebApps).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var raw = copy.ToArray();
            assets[name[Prefix.Length..]] = new Asset(ContentType(name), raw, Compress(raw, brotli: true),
                Compress(raw, brotli: false), "\"" + Convert.ToHexStringLower(SHA256.HashData(raw).AsSpan(0, 12)) + "\"");
        }
        return assets;
    }

    private static byte[] Compress(byte[] raw, bool brotli)
    {
        using var output = new MemoryStream();
        using (Stream compressor = brotli
                   ? new BrotliStream(output, CompressionLevel.SmallestSize)
                   : new GZipStream(output, CompressionLevel.SmallestSize))
        {
            compressor.Write(raw);
        }
        return output.ToArray();
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" or ".mjs" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".json" => "application/json; charset=utf-8",
        ".webmanifest" => "application/manifest+json; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        _ => "application/octet-stream",
    };
}

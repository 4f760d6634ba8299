using Xunit;
using System.Net;
using Earnest.Server.Http;
using Microsoft.Playwright;

namespace Earnest.Tests.Web;

[Collection(BrowserCollection.Name)]
public sealed class WebAppHostingTests(BrowserFixture browser)
{
    [Fact]
    public async Task Apps_are_served_compressed_with_an_etag_and_a_strict_content_policy()
    {
        await using var server = await WebServer.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(server.Url),
        };
        var root = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/app/", root.Headers.Location?.ToString());

        using var request = new HttpRequestMessage(HttpMethod.Get, "/app/");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "br");
        var page = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("br", Assert.Single(page.Content.Headers.ContentEncoding));
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var etag = page.Headers.ETag!;

        using var again = new HttpRequestMessage(HttpMethod.Get, "/app/");
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(again)).StatusCode);

        var missing = await http.GetAsync("/app/no-such-file.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void The_apps_stay_light_on_bytes()
    {
        // What a phone downloads for the contributor app on its first visit (Brotli), shared modules included.
        var sizes = WebApps.Sizes();
        var app = sizes.Where(s => s.Key.StartsWith("app/", StringComparison.Ordinal) || s.Key.StartsWith("shared/", StringComparison.Ordinal))
            .Sum(s => s.Value.Brotli);
        Assert.InRange(app, 1_000, 60_000);
    }

    [Fact]
    public async Task The_browser_signs_with_ed25519_and_verifies_like_the_server()
    {
        await using var server = await WebServer.StartAsync();
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(server.Url + "/app/");
        // A wallet made in the browser signs in through the real challenge; the server accepting the token proves the
        // browser's base58, PKCS #8 import and Ed25519 signature match the server's.
        var address = await page.EvaluateAsync<string>("""
            async () => {
              const { Wallet } = await import('/shared/wallet.js');
              const { Api } = await import('/shared/api.js');
              const wallet = await Wallet.create();
              const again = await Wallet.import(wallet.exportSecret());
              if (again.address !== wallet.address) throw new Error('round trip');
              const api = new Api();
              await api.signIn(again);
              const me = await api.get('/v1/accounts/me');
              return me.address === wallet.address ? wallet.address : 'mismatch';
            }
            """);
        Assert.True(Earnest.Identity.WalletAddress.IsValid(address), address);
    }
}

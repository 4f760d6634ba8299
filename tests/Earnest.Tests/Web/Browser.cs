using Xunit;
using Earnest.Server;
using Earnest.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace Earnest.Tests.Web;

/// <summary>
/// One headless Chromium for the web tests: Debian's build (the test command installs it), driven by Playwright.
/// No browser is downloaded; a missing Chromium fails the tests with the reason.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Where Chromium is: EARNEST_CHROMIUM, else Debian's /usr/bin/chromium.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("EARNEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium is not at {ExecutablePath}: install Debian's chromium (the test command does) or set EARNEST_CHROMIUM.");
        }
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
        });
    }

    /// <summary>A fresh browser profile (its own storage, so its own wallet) in the given language and size.</summary>
    public Task<IBrowserContext> NewContextAsync(string locale = "en-US", int width = 1280, int height = 800) =>
        Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = locale,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Permissions = ["clipboard-read", "clipboard-write"],
        });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}

/// <summary>The web tests share one browser and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

/// <summary>A real server on the real clock (figures like time-to-paid are measured as people see them).</summary>
public sealed class WebServer : IAsyncDisposable
{
    private WebServer(Node node, WebApplication app, string folder)
    {
        Node = node;
        App = app;
        Folder = folder;
        Url = EarnestServer.ListeningUrl(app);
    }

    public Node Node { get; }
    public WebApplication App { get; }
    public string Folder { get; }
    public string Url { get; }

    public static async Task<WebServer> StartAsync()
    {
        var folder = TempFolder.Create();
        var node = await Node.OpenAsync(new EarnestOptions { DataFolder = folder }, TimeProvider.System);
        var app = EarnestServer.Create(node, new ServerOptions { Urls = "http://127.0.0.1:0" });
        await app.StartAsync();
        return new WebServer(node, app, folder);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Node.Dispose();
        TempFolder.Delete(Folder);
    }
}

/// <summary>Screenshots of key screens, saved under artifacts/screenshots/ (not committed).</summary>
public static class Screenshots
{
    public static string Folder => Path.Combine(Repository.Root, "artifacts", "screenshots");

    public static async Task SaveAsync(IPage page, string name, bool fullPage = false)
    {
        Directory.CreateDirectory(Folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, name + ".png"), FullPage = fullPage });
    }
}

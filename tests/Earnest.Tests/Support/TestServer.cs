using Earnest.Client;
using Earnest.Identity;
using Earnest.Server;
using Microsoft.AspNetCore.Builder;

namespace Earnest.Tests.Support;

/// <summary>A node behind the real HTTP server (Kestrel on a free loopback port).</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly List<HttpClient> _clients = [];

    private TestServer(TestNode node, WebApplication app, string url)
    {
        Test = node;
        App = app;
        Url = url;
    }

    public TestNode Test { get; }
    public Node Node => Test.Node;
    public WebApplication App { get; }
    public string Url { get; }

    public static async Task<TestServer> StartAsync(Action<ServerOptions>? configure = null,
        Action<EarnestOptions>? configureNode = null)
    {
        var node = await TestNode.StartAsync(configureNode);
        // The server runs on the real clock: tokens and leases must not expire during a test.
        node.Time.AutoAdvanceAmount = TimeSpan.FromMilliseconds(1);
        // No load shedding unless a test asks for it: the fake clock jumps (Advance, and 1 ms per reading), which would
        // make a queued piece look old. LoadSheddingTests sets it.
        var options = new ServerOptions { Urls = "http://127.0.0.1:0", MaxQueueWait = TimeSpan.Zero };
        configure?.Invoke(options);
        var app = EarnestServer.Create(node.Node, options);
        await app.StartAsync();
        return new TestServer(node, app, EarnestServer.ListeningUrl(app));
    }

    public HttpClient NewHttp()
    {
        var http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(60) };
        _clients.Add(http);
        return http;
    }

    /// <summary>A client signed in with a new wallet key through the HTTP sign-in.</summary>
    public async Task<EarnestClient> SignedInAsync()
    {
        var client = new EarnestClient(NewHttp());
        using var key = WalletKey.Create();
        await client.SignInAsync(key);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _clients)
        {
            c.Dispose();
        }
        await App.StopAsync();
        await App.DisposeAsync();
        await Test.DisposeAsync();
    }
}

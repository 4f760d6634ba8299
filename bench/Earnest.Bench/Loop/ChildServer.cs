using System.Diagnostics;
using Earnest.Server;

namespace Earnest.Bench.Loop;

/// <summary>
/// The HTTP server in a child process: this program run with <c>serve</c>. It is what <c>earnest serve</c> runs
/// (<see cref="Node.OpenAsync"/> then <see cref="EarnestServer.Create"/>) with the rate limit lifted, so server and
/// load generator have separate heaps, thread pools and GCs, as they would in production.
/// </summary>
internal sealed class ChildServer : IAsyncDisposable
{
    /// <summary>The line the child prints, followed by its base URL, once it accepts requests.</summary>
    public const string ReadyLine = "listening ";

    private ChildServer(Process process, Uri baseAddress)
    {
        Process = process;
        BaseAddress = baseAddress;
    }

    /// <summary>The child process.</summary>
    public Process Process { get; }

    /// <summary>Where it listens.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Starts the child on a data folder and waits until it listens.</summary>
    public static async Task<ChildServer> StartAsync(string dataFolder, CancellationToken ct)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark's own path is unknown.");
        var start = new ProcessStartInfo
        {
            FileName = self,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal))
        {
            // Run as `dotnet Earnest.Bench.dll`: the child needs the assembly named too.
            start.ArgumentList.Add(typeof(ChildServer).Assembly.Location);
        }
        foreach (var arg in (string[])["serve", "--data", dataFolder])
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("The server process did not start.");
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("The server process ended before it listened."));
            }
            else if (e.Data.StartsWith(ReadyLine, StringComparison.Ordinal))
            {
                ready.TrySetResult(new Uri(e.Data[ReadyLine.Length..]));
            }
            else
            {
                Console.Error.WriteLine("[server] " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        try
        {
            var url = await ready.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
            return new ChildServer(process, url);
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
    }

    /// <summary>Stops the child: it ends when its standard input closes; it is killed if it has not in 10 s.</summary>
    public async ValueTask DisposeAsync()
    {
        Process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Process.Kill();
            await Process.WaitForExitAsync(CancellationToken.None);
        }
        Process.Dispose();
    }
}

/// <summary><c>serve --data DIR</c>: the child side of <see cref="ChildServer"/>.</summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args is not ["--data", var folder])
        {
            throw new UsageException("serve takes --data DIR (it is started by loop).");
        }
        using var node = await Node.OpenAsync(MarketSetup.NodeOptions(folder));
        await using var app = EarnestServer.Create(node, MarketSetup.ServerOptions());
        await app.StartAsync();
        Console.WriteLine(ChildServer.ReadyLine + EarnestServer.ListeningUrl(app));
        // The parent closes standard input to stop the server; if the parent dies the pipe closes all the same.
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        return 0;
    }
}

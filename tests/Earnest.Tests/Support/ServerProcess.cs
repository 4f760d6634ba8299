using System.Diagnostics;

namespace Earnest.Tests.Support;

/// <summary>A real `earnest serve` process on a data folder, for tests that kill it.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    public static async Task<ServerProcess> StartAsync(string dataFolder, params string[] extra)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Earnest.Cli.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // No load shedding: these tests' clients treat a refused lease as a failure, and a slow machine under their
        // load must not turn into one (shedding has tests of its own).
        foreach (var arg in new[] { cli, "serve", "--data", dataFolder, "--urls", "http://127.0.0.1:0", "--max-queue-wait-ms", "0" }
                     .Concat(extra))
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start)!;
        _ = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            const string prefix = "Earnest listening on ";
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync();
                return new ServerProcess(process, line[prefix.Length..].Trim());
            }
        }
        throw new InvalidOperationException("earnest serve exited before listening");
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }
        _process.Dispose();
    }
}

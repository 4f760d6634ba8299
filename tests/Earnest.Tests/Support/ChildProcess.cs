using System.Diagnostics;

namespace Earnest.Tests.Support;

/// <summary>Runs a program as a child process with a time limit, and finds programs on PATH.</summary>
public static class ChildProcess
{
    /// <summary>Runs it; the exit code and everything it printed (stderr after stdout), or -1 on a timeout.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string executable, string[] arguments,
        TimeSpan timeout)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, $"timed out after {timeout}{Environment.NewLine}{await stdout}{await stderr}");
        }
        var err = await stderr;
        return (process.ExitCode, await stdout + (err.Length > 0 ? $"--- stderr ---{Environment.NewLine}{err}" : ""));
    }

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        string[] names = OperatingSystem.IsWindows() ? [name + ".exe", name + ".cmd"] : [name];
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var folder in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var candidate in names)
            {
                var full = Path.Combine(folder.Trim('"'), candidate);
                if (File.Exists(full))
                {
                    return full;
                }
            }
        }
        return null;
    }
}

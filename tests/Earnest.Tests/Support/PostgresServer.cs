using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Earnest.Tests.Support;

/// <summary>
/// A real PostgreSQL server for the tests: Debian's binaries (found by globbing /usr/lib/postgresql/*/bin, never a
/// fixed version), a cluster made with initdb in a temporary folder, listening on a free loopback port; started once
/// per test run and stopped when the run ends. Each test gets its own database. When root runs the tests, the
/// cluster runs as the postgres user (PostgreSQL refuses to run as root).
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);
    private static int _databases;
    private readonly string _folder;
    private readonly string _bin;
    private readonly string? _runAs;

    private PostgresServer(string folder, string bin, string? runAs, int port)
    {
        _folder = folder;
        _bin = bin;
        _runAs = runAs;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The shared server, started on first use.</summary>
    public static Task<PostgresServer> InstanceAsync() => Shared.Value;

    /// <summary>Where Debian keeps the server binaries (the newest major version installed), or null.</summary>
    public static string? FindBinaries() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;

    /// <summary>A new empty database on the server; its connection string.</summary>
    public static async Task<string> NewDatabaseAsync()
    {
        var server = await InstanceAsync();
        var name = $"earnest_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using (var admin = new NpgsqlConnection(server.ConnectionString("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }
        return server.ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=earnest;Database={database};Pooling=true;Maximum Pool Size=50;Timeout=30";

    private static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL's server is not installed (no /usr/lib/postgresql/*/bin/initdb): install Debian's postgresql (the test command does).");
        var folder = Path.Combine(Path.GetTempPath(), "earnest-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var runAs = Environment.UserName == "root" ? "postgres" : null;
        if (runAs is not null)
        {
            await RunAsync("chown", ["-R", $"{runAs}:{runAs}", folder], null);
        }
        var data = Path.Combine(folder, "data");
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "earnest", "-A", "trust", "-E", "UTF8", "--no-sync"], runAs);
        var port = FreePort();
        await RunAsync(Path.Combine(bin, "pg_ctl"),
        [
            "-D", data, "-l", Path.Combine(folder, "log"), "-w", "-t", "60", "start",
            "-o", $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB",
        ], runAs);
        var server = new PostgresServer(folder, bin, runAs, port);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    private void Stop()
    {
        try
        {
            RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop"], _runAs)
                .GetAwaiter().GetResult();
            Directory.Delete(_folder, recursive: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // Best effort at exit; the folder is under the temporary directory.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string program, string[] arguments, string? runAs)
    {
        var (executable, args) = runAs is null ? (program, arguments) : ("runuser", ["-u", runAs, "--", program, .. arguments]);
        var (exit, output) = await ChildProcess.RunAsync(executable, args, TimeSpan.FromMinutes(2));
        if (exit != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} failed ({exit}): {output}");
        }
    }
}

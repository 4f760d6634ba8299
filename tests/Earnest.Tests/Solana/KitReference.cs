using System.Text.Json;
using System.Text.Json.Nodes;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Solana;

/// <summary>
/// Runs the reference script (tests/clients/solana/encode.mjs, @solana/kit and the program clients at the versions
/// pinned in its package.json) once over a JSON description, and returns what it printed.
/// </summary>
public static class KitReference
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The folder of the reference script and its package.json.</summary>
    public static string Folder => Path.Combine(Repository.Root, "tests", "clients", "solana");

    /// <summary>
    /// The script's output for <paramref name="input"/>, or null when Node.js is missing on a developer machine.
    /// Under CI=true a missing Node.js fails; a missing or stale install of the pinned packages fails everywhere, with
    /// the command that fixes it (./test.sh runs it).
    /// </summary>
    public static async Task<JsonObject?> RunAsync(JsonObject input, string name)
    {
        var node = FindNode("the Solana encoding tests compare with @solana/kit through it");
        if (node is null)
        {
            return null;
        }
        CheckInstalledPackages();

        var inputPath = Path.Combine(AppContext.BaseDirectory, name + ".json");
        await File.WriteAllTextAsync(inputPath, input.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var script = Path.Combine(Folder, "encode.mjs");
        var (exitCode, output) = await ChildProcess.RunAsync(node, [script, inputPath], ScriptTimeout);
        Assert.True(exitCode == 0, $"encode.mjs exited with {exitCode} on {inputPath}. Its output:{Environment.NewLine}{output}");
        var firstLine = output.Split('\n', 2)[0];
        return JsonNode.Parse(firstLine)?.AsObject() ?? throw new InvalidOperationException("encode.mjs printed nothing");
    }

    /// <summary>
    /// The path of `node`, or null when it is missing on a developer machine (the caller's test then passes without
    /// checking anything); under CI=true a missing Node.js fails, saying <paramref name="why"/> it is needed.
    /// </summary>
    public static string? FindNode(string why)
    {
        var node = ChildProcess.FindOnPath("node");
        if (node is null)
        {
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
                $"CI=true but `node` (Node.js 20 or later) is not on PATH; {why}.");
        }
        return node;
    }

    /// <summary>Every dependency of package.json is installed at exactly its pinned version, or the test fails with the fix.</summary>
    public static void CheckInstalledPackages()
    {
        var fix = $"run `npm install --no-audit --no-fund` in {Folder} (./test.sh does it when node_modules is missing or older than package.json)";
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "package.json")))!;
        foreach (var (package, pinned) in manifest["dependencies"]!.AsObject())
        {
            var installed = Path.Combine(Folder, "node_modules", package, "package.json");
            Assert.True(File.Exists(installed), $"{package} is not installed in {Folder}/node_modules: {fix}.");
            var version = JsonNode.Parse(File.ReadAllText(installed))!["version"]!.GetValue<string>();
            Assert.True(version == pinned!.GetValue<string>(),
                $"{package} {version} is installed but package.json pins {pinned}: {fix}.");
        }
    }
}

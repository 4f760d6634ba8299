namespace Earnest.Tests.Support;

/// <summary>
/// The shared crowdsourcing datasets, which sit beside the repository (shared/datasets). Under CI they must be
/// there; elsewhere a test that needs them returns early when they are not.
/// </summary>
public static class Datasets
{
    public static string? Folder(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "datasets", name);
            if (File.Exists(Path.Combine(candidate, "answers.csv")))
            {
                return candidate;
            }
        }
        Xunit.Assert.False(Environment.GetEnvironmentVariable("CI") == "true",
            $"shared/datasets/{name} is required under CI");
        return null;
    }
}

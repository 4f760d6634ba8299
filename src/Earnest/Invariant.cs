namespace Earnest;

/// <summary>
/// Assertions that stay on in release builds. A broken invariant is a bug; continuing could create or lose tokens,
/// so the process stops at once instead of answering anything else.
/// </summary>
public static class Invariant
{
    /// <summary>Stops the process when <paramref name="condition"/> is false.</summary>
    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            Environment.FailFast("Earnest invariant broken: " + message);
        }
    }
}

using System.CommandLine;

namespace Earnest.Cli;

/// <summary><c>earnest demo</c>: a whole simulated market over the HTTP API.</summary>
public static class DemoCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var command = new Command("demo", "Run a simulated market end to end and print a report.");
        command.SetAction(_ => 0);
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Earnest.Cli.Demo;
using Earnest.Client;
using Spectre.Console;

namespace Earnest.Cli;

/// <summary><c>earnest demo</c>: a whole simulated market over the HTTP API.</summary>
public static class DemoCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var defaults = new DemoSettings();
        var contributors = new Option<int>("--contributors")
        {
            Description = "Simulated contributors: 15% random spammers, 25% careless (70%), the rest careful (95%).",
            DefaultValueFactory = _ => defaults.Contributors,
        };
        var tasks = new Option<int>("--tasks")
        {
            Description = "Items to label; one in ten carries a gold answer.",
            DefaultValueFactory = _ => defaults.Tasks,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the simulated world: truth, gold, keys, kinds and answers.",
            DefaultValueFactory = _ => defaults.Seed,
        };
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Contributor steps in flight at once.",
            DefaultValueFactory = _ => defaults.Concurrency,
        };
        var data = new Option<string?>("--data")
        {
            Description = "Data folder to keep (must be empty or missing); by default a temporary one, deleted after.",
        };
        var command = new Command("demo", "Run a simulated market end to end over the HTTP API and print a report.")
        {
            contributors, tasks, seed, concurrency, data,
        };
        command.SetAction((parse, ct) => RunAsync(new DemoSettings
        {
            Contributors = parse.GetValue(contributors),
            Tasks = parse.GetValue(tasks),
            Seed = parse.GetValue(seed),
            Concurrency = parse.GetValue(concurrency),
            DataFolder = parse.GetValue(data),
        }, ct));
        return command;
    }

    /// <summary>Runs the demo with a progress display and prints the report; a failed check fails the command.</summary>
    public static async Task<int> RunAsync(DemoSettings settings, CancellationToken ct = default)
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            // A log has no width; Spectre would assume 80 columns and wrap the tables' amounts mid-number.
            console.Profile.Width = Math.Max(console.Profile.Width, 120);
        }
        DemoReport report;
        try
        {
            await using var market = await DemoMarket.StartAsync(settings, ct);
            ReportView.WriteHeader(console, market);
            await ShowProgressAsync(console, settings.ExpectedSubmissions, onSubmitted => market.RunCrowdAsync(onSubmitted, ct));
            report = await market.FinishAsync(ct);
        }
        catch (ApiException ex)
        {
            throw new CliException($"demo failed: the server answered {(int)ex.Status}: {Detail(ex.Body)}");
        }
        catch (HttpRequestException ex)
        {
            throw new CliException("demo failed: " + OneLine(ex.Message));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException("demo failed: a request to the server timed out");
        }
        ReportView.Write(console, report);
        var failed = report.Checks.FirstOrDefault(c => !c.Passed);
        if (failed is not null)
        {
            throw new CliException($"demo check failed: {failed.Name} ({failed.Detail})");
        }
        return 0;
    }

    /// <summary>
    /// A live progress bar on a terminal; in a log (output redirected) a plain line at every tenth of the expected
    /// submissions, since a redrawn bar would fill the log with control codes.
    /// </summary>
    private static async Task ShowProgressAsync(IAnsiConsole console, int expected, Func<Action<int>, Task> run)
    {
        if (Console.IsOutputRedirected || !console.Profile.Capabilities.Interactive)
        {
            var plain = new PlainProgress(expected);
            await run(plain.Report);
            Console.WriteLine($"  submissions: {plain.Last.ToString("N0", CultureInfo.InvariantCulture)} (done)");
            return;
        }
        await console.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask(Describe(0, expected), maxValue: expected);
                await run(n =>
                {
                    // Ties and gold draw a few more answers than tasks × overlap; the bar grows rather than overflows.
                    bar.MaxValue = Math.Max(bar.MaxValue, n);
                    bar.Value = n;
                    bar.Description = Describe(n, (int)bar.MaxValue);
                });
                bar.MaxValue = bar.Value;
                bar.Description = Describe((int)bar.Value, (int)bar.Value);
                bar.StopTask();
            });
    }

    private static string Describe(int done, int expected) =>
        string.Create(CultureInfo.InvariantCulture, $"submissions {done:N0} / {expected:N0}");

    /// <summary>Prints a line each time the count passes another tenth of what is expected.</summary>
    private sealed class PlainProgress(int expected)
    {
        private readonly Lock _lock = new();
        private int _nextTenth = 1;

        public int Last { get; private set; }

        public void Report(int submitted)
        {
            lock (_lock)
            {
                Last = Math.Max(Last, submitted);
                while (_nextTenth <= 9 && Last * 10L >= (long)expected * _nextTenth)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  submissions: {Last:N0} / {expected:N0} ({_nextTenth * 10}%)"));
                    _nextTenth++;
                }
            }
        }
    }

    /// <summary>The problem's detail, or else the body, on one line.</summary>
    private static string Detail(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.ValueKind == JsonValueKind.Object &&
                problem.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
            {
                return OneLine(detail.GetString()!);
            }
        }
        catch (JsonException)
        {
            // Not problem+json; show the body itself.
        }
        return OneLine(body);
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}

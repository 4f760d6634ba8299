using System.Globalization;
using Spectre.Console;

namespace Earnest.Cli.Demo;

/// <summary>Writes a demo run to the console: what is about to run, then the report as tables.</summary>
public static class ReportView
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>What the run set up: the crowd, the server, the requester's money and the campaign.</summary>
    public static void WriteHeader(IAnsiConsole console, DemoMarket market)
    {
        var s = market.Settings;
        var mix = ContributorKinds.Mix(s.Contributors);
        var gold = market.World.Items.Count(i => i.Gold);
        console.MarkupLine($"[bold]Earnest demo[/] — seed {s.Seed}: {N(s.Contributors)} contributors " +
                           $"({string.Join(", ", ContributorKinds.All.Select(k => $"{N(mix[k])} {ContributorKinds.Name(k)}"))}), " +
                           $"{N(s.Tasks)} tasks ({N(gold)} gold), overlap {DemoSettings.Overlap}");
        console.MarkupLine($"  server   {Markup.Escape(market.Url)}   data {Markup.Escape(market.DataFolder)}");
        console.MarkupLine($"  requester {Markup.Escape(market.RequesterAddress)}: minted " +
                           $"{Whole(market.Minted, market)} in {market.FaucetCalls} faucet call(s)");
        console.MarkupLine($"  campaign {Markup.Escape(market.CampaignId)}: reward {Whole(DemoSettings.Reward, market)}, " +
                           $"budget {Whole(s.Budget, market)} in escrow");
    }

    /// <summary>The report: results, contributors by kind, time to payment, money and checks.</summary>
    public static void Write(IAnsiConsole console, DemoReport report)
    {
        var a = report.Accuracy;
        console.WriteLine();
        console.MarkupLine($"[bold]Results[/]: {N(a.Correct)} of {N(a.Tasks)} non-gold tasks match the truth " +
                           $"([bold]{Percent(a.Share)}[/]); {N(a.NoConsensus)} without consensus");
        console.Write(KindsTable(report));
        var l = report.Latency;
        console.MarkupLine($"[bold]Submission → payment[/] (server clock): p50 {Ms(l.P50)}, p99 {Ms(l.P99)}, " +
                           $"max {Ms(l.Max)} over {N(l.Paid)} payments ({N(l.PaidAtOnce)} in the submit response, " +
                           $"{N(l.Paid - l.PaidAtOnce)} when later answers or the close decided them)");
        console.Write(MoneyTable(report));
        foreach (var check in report.Checks)
        {
            console.MarkupLine(check.Passed
                ? $"  [green]✓[/] {Markup.Escape(check.Name)}"
                : $"  [red]✗ {Markup.Escape(check.Name)}[/]: {Markup.Escape(check.Detail)}");
        }
        console.MarkupLine($"[bold]Elapsed[/] {Seconds(report.Elapsed)} (crowd {Seconds(report.WorkElapsed)}): " +
                           $"{N(report.Submissions)} submissions, " +
                           $"{report.SubmissionsPerSecond.ToString("N0", Invariant)} submissions/s");
    }

    private static Table KindsTable(DemoReport report)
    {
        var symbol = report.Asset.Symbol;
        var table = new Table().Border(TableBorder.Rounded).Title("Contributors")
            .AddColumn("kind")
            .AddColumn(new TableColumn("count").RightAligned())
            .AddColumn(new TableColumn("submitted").RightAligned())
            .AddColumn(new TableColumn("accepted").RightAligned())
            .AddColumn(new TableColumn("rejected").RightAligned())
            .AddColumn(new TableColumn($"paid {symbol}").RightAligned())
            .AddColumn(new TableColumn($"{symbol} per head").RightAligned());
        foreach (var k in report.Kinds)
        {
            table.AddRow(ContributorKinds.Describe(k.Kind), N(k.Contributors), N(k.Submissions), N(k.Accepted),
                N(k.Rejected), Whole(k.Paid, report), Whole(k.PaidPerContributor, report));
        }
        var all = report.Kinds;
        var people = all.Sum(k => k.Contributors);
        var paid = all.Sum(k => k.Paid);
        table.AddRow("[bold]all[/]", N(people), N(all.Sum(k => k.Submissions)), N(all.Sum(k => k.Accepted)),
            N(all.Sum(k => k.Rejected)), Whole(paid, report), Whole(people == 0 ? 0 : (decimal)paid / people, report));
        return table;
    }

    private static Table MoneyTable(DemoReport report)
    {
        var m = report.Money;
        var table = new Table().Border(TableBorder.Rounded).Title("Money")
            .AddColumn("")
            .AddColumn(new TableColumn(report.Asset.Symbol).RightAligned());
        table.AddRow("minted by the faucet", Whole(m.Minted, report));
        table.AddRow("budget put in escrow", Whole(m.Budget, report));
        table.AddRow("paid to contributors", Whole(m.Spent, report));
        table.AddRow("refunded at close", Whole(m.Refunded, report));
        table.AddRow("requester's balance", Whole(m.RequesterBalance, report));
        table.AddRow("contributors' balances", Whole(m.ContributorBalances, report));
        table.AddRow("[bold]all balances[/]", Whole(m.Balances, report));
        table.AddRow("escrow after close", Whole(m.EscrowAfterClose, report));
        table.AddRow("[bold]conserved[/]", m.Conserved ? "[green]yes[/]" : "[red]NO[/]");
        return table;
    }

    /// <summary>Base units as whole units with every decimal of the asset ("1,234.500000").</summary>
    private static string Whole(decimal baseUnits, int decimals) =>
        Math.Round(baseUnits / Pow10(decimals), decimals).ToString("N" + decimals.ToString(Invariant), Invariant);

    private static string Whole(decimal baseUnits, DemoReport report) => Whole(baseUnits, report.Asset.Decimals);

    private static string Whole(long baseUnits, DemoMarket market) =>
        Whole(baseUnits, market.Asset.Decimals) + " " + market.Asset.Symbol;

    private static decimal Pow10(int decimals)
    {
        var p = 1m;
        for (var i = 0; i < decimals; i++)
        {
            p *= 10;
        }
        return p;
    }

    private static string Percent(double share) => (share * 100).ToString("N1", Invariant) + "%";

    private static string N(int value) => value.ToString("N0", Invariant);

    private static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("N3", Invariant) + " ms";

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("N1", Invariant) + " s";
}

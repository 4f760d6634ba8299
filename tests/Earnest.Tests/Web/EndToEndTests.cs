using System.Text.RegularExpressions;
using Earnest.Tests.Support;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Earnest.Tests.Web;

/// <summary>
/// The whole market in browsers: a requester builds, funds and publishes a campaign in the dashboard; two contributors,
/// each in their own browser profile, make wallets, sign in, do the tasks, watch their balance rise and open a receipt
/// that verifies; the dashboard follows the progress live, and the results download.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class EndToEndTests(BrowserFixture browser)
{
    private const string Title = "Cat or dog?";

    static EndToEndTests() => SetDefaultExpectTimeout(15_000);

    [Fact]
    public async Task A_campaign_goes_from_the_dashboard_through_two_contributors_to_downloaded_results()
    {
        await using var server = await WebServer.StartAsync();
        var errors = new List<string>();

        // The requester: wallet, test funds, campaign, CSV upload with gold, publish.
        await using var requesterContext = await browser.NewContextAsync();
        var dashboard = await requesterContext.NewPageAsync();
        dashboard.PageError += (_, e) => errors.Add(e);
        var requester = await DashboardScreen.CreateWalletAsync(dashboard, server);
        await DashboardScreen.GetTestFundsAsync(dashboard, "100");
        await Expect(DashboardScreen.Figure(dashboard, "Balance")).ToHaveTextAsync("100.00 EARN");
        await DashboardScreen.CreateCampaignAsync(dashboard, Title, reward: "1", budget: "50", overlap: "2",
            labels: "cat\ndog", instructions: "Which animal does the sentence describe?");
        const string csv = "id,text,gold\ng-1,A cat on a sofa,cat\ng-2,A dog in the park,dog\n" +
                           "r-1,A cat in a box,\nr-2,A dog with a ball,\nr-3,A cat asleep in the sun,\n";
        await DashboardScreen.ChooseFileAsync(dashboard, "animals.csv", csv);
        await dashboard.GetByRole(AriaRole.Button, new() { Name = "Upload tasks" }).ClickAsync();
        await Expect(dashboard.GetByText("Uploaded: 5 tasks added, 0 already there.")).ToBeVisibleAsync();
        await dashboard.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Expect(DashboardScreen.Figure(dashboard, "In escrow")).ToHaveTextAsync("50.00 EARN");
        var campaign = Assert.Single(server.Node.Campaigns.List(requester));
        Assert.Equal(("open", 5, 2), (campaign.Status, campaign.Tasks, campaign.GoldTasks));

        // Two contributors in their own browsers: wallet, sign-in, tasks until none is left, each answer right.
        var contributors = new List<(IBrowserContext Context, IPage Page, string Address)>();
        for (var i = 0; i < 2; i++)
        {
            var context = await browser.NewContextAsync(width: 400, height: 800);
            var page = await context.NewPageAsync();
            page.PageError += (_, e) => errors.Add(e);
            await page.GotoAsync(server.Url + "/app/");
            contributors.Add((context, page, await ContributorScreen.CreateWalletAsync(page)));
        }
        try
        {
            foreach (var (_, page, _) in contributors)
            {
                await page.GetByRole(AriaRole.Link, new() { Name = "Find work" }).ClickAsync();
                await page.GetByRole(AriaRole.Link, new() { Name = $"Start: {Title}" }).ClickAsync();
                var answered = new List<string>();
                var item = page.GetByRole(AriaRole.Region, new() { Name = "Item", Exact = true });
                var none = page.GetByText("No more tasks for you here right now.");
                while (true)
                {
                    await Expect(item.Or(none).First).ToBeVisibleAsync();
                    if (await none.IsVisibleAsync())
                    {
                        break;
                    }
                    var text = await item.InnerTextAsync();
                    Assert.DoesNotContain(text, answered); // never the same task twice
                    answered.Add(text);
                    if (answered.Count == 3 && contributors[0].Page == page)
                    {
                        await Screenshots.SaveAsync(page, "e2e-contributor-task");
                    }
                    var label = text.Contains("cat", StringComparison.Ordinal) ? "cat" : "dog";
                    await page.GetByRole(AriaRole.Group, new() { Name = "Your answer" })
                        .GetByRole(AriaRole.Button, new() { Name = label, Exact = true }).ClickAsync();
                    await Expect(item.Filter(new() { HasText = text })).ToHaveCountAsync(0);
                }
                Assert.Equal(5, answered.Count);
            }

            // Every answer was right: each contributor is paid for all five (two gold at once, three once both agreed),
            // and sees it in the header without reloading.
            foreach (var (_, page, address) in contributors)
            {
                Assert.Equal(5_000_000, server.Node.Funds.Balance(address, "EARN"));
                await Expect(ContributorScreen.Balance(page)).ToContainTextAsync("5.00 EARN");
                await page.GetByRole(AriaRole.Link, new() { Name = "History" }).ClickAsync();
                var payments = page.GetByRole(AriaRole.Region, new() { Name = "Payments received" });
                await payments.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^View receipt") }).First.ClickAsync();
                var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Receipt" });
                await Expect(dialog.GetByRole(AriaRole.Status)).ToHaveTextAsync("✓ Receipt verified");
                await Expect(dialog).ToContainTextAsync(address);
                await Screenshots.SaveAsync(page, "e2e-contributor-receipt");
            }

            // The dashboard followed along through its event stream: all done, all accepted, spent what was paid.
            await Expect(DashboardScreen.Figure(dashboard, "Tasks done")).ToHaveTextAsync("3 of 3");
            await Expect(DashboardScreen.Figure(dashboard, "Accepted")).ToHaveTextAsync("10");
            await Expect(DashboardScreen.Figure(dashboard, "Rejected")).ToHaveTextAsync("0");
            await Expect(DashboardScreen.Figure(dashboard, "Spent")).ToHaveTextAsync("10.00 EARN of 50.00 EARN");
            await Screenshots.SaveAsync(dashboard, "e2e-requester-live", fullPage: true);
            var download = await dashboard.RunAndWaitForDownloadAsync(() =>
                dashboard.GetByRole(AriaRole.Button, new() { Name = "Download results (CSV)" }).ClickAsync());
            var lines = (await File.ReadAllTextAsync(await download.PathAsync())).TrimEnd('\n').Split('\n');
            Assert.Equal("taskId,answer,confidence,submissions,decided,gold", lines[0]);
            Assert.Equal(5, lines.Length - 1);
            foreach (var (id, answer) in new[] { ("r-1", "cat"), ("r-2", "dog"), ("r-3", "cat"), ("g-1", "cat"), ("g-2", "dog") })
            {
                Assert.Contains(lines, l => l.StartsWith($"{id},{answer},", StringComparison.Ordinal));
            }
            Assert.Empty(errors);
        }
        finally
        {
            foreach (var (context, _, _) in contributors)
            {
                await context.DisposeAsync();
            }
        }
    }
}

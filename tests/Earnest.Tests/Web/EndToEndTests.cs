using System.Text;
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
        await dashboard.GotoAsync(server.Url + "/dashboard/");
        await dashboard.GetByRole(AriaRole.Button, new() { Name = "Create a wallet" }).ClickAsync();
        await dashboard.GetByRole(AriaRole.Button, new() { Name = "I have saved it" }).ClickAsync();
        var requester = await dashboard.GetByLabel("Your address", new() { Exact = true }).InnerTextAsync();
        await dashboard.GetByLabel("Test funds to add (EARN)").FillAsync("100");
        await dashboard.GetByRole(AriaRole.Button, new() { Name = "Get test funds" }).ClickAsync();
        await Expect(dashboard.GetByLabel("Balance", new() { Exact = true })).ToHaveTextAsync("100.00 EARN");
        await dashboard.GetByRole(AriaRole.Link, new() { Name = "New campaign" }).ClickAsync();
        await dashboard.GetByLabel("Title", new() { Exact = true }).FillAsync(Title);
        await dashboard.GetByLabel("Instructions for contributors").FillAsync("Which animal does the sentence describe?");
        await dashboard.GetByLabel("Answer labels, one per line").FillAsync("cat\ndog");
        await dashboard.GetByLabel("Reward per accepted answer (EARN)").FillAsync("1");
        await dashboard.GetByLabel("Budget (EARN)").FillAsync("50");
        await dashboard.GetByLabel("Answers per task").FillAsync("2");
        await dashboard.GetByRole(AriaRole.Button, new() { Name = "Create campaign" }).ClickAsync();
        await Expect(dashboard.GetByRole(AriaRole.Heading, new() { Name = Title, Level = 2 })).ToBeVisibleAsync();
        const string csv = "id,text,gold\ng-1,A cat on a sofa,cat\ng-2,A dog in the park,dog\n" +
                           "r-1,A cat in a box,\nr-2,A dog with a ball,\nr-3,A cat asleep in the sun,\n";
        await dashboard.GetByLabel("Tasks file (CSV or JSON Lines)").SetInputFilesAsync(new FilePayload
        {
            Name = "animals.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv),
        });
        await dashboard.GetByRole(AriaRole.Button, new() { Name = "Upload tasks" }).ClickAsync();
        await Expect(dashboard.GetByText("Uploaded: 5 tasks added, 0 already there.")).ToBeVisibleAsync();
        await dashboard.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Expect(dashboard.GetByLabel("In escrow", new() { Exact = true })).ToHaveTextAsync("50.00 EARN");
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
            await page.GetByRole(AriaRole.Button, new() { Name = "Create a wallet" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Balance" })).ToContainTextAsync("0.00 EARN");
            contributors.Add((context, page, await page.GetByLabel("Your address").InputValueAsync()));
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
                await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Balance" })).ToContainTextAsync("5.00 EARN");
                await page.GetByRole(AriaRole.Link, new() { Name = "History" }).ClickAsync();
                var payments = page.GetByRole(AriaRole.Region, new() { Name = "Payments received" });
                await payments.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^View receipt") }).First.ClickAsync();
                var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Receipt" });
                await Expect(dialog.GetByRole(AriaRole.Status)).ToHaveTextAsync("✓ Receipt verified");
                await Expect(dialog).ToContainTextAsync(address);
                await Screenshots.SaveAsync(page, "e2e-contributor-receipt");
            }

            // The dashboard followed along through its event stream: all done, all accepted, spent what was paid.
            await Expect(dashboard.GetByLabel("Tasks done", new() { Exact = true })).ToHaveTextAsync("3 of 3");
            await Expect(dashboard.GetByLabel("Accepted", new() { Exact = true })).ToHaveTextAsync("10");
            await Expect(dashboard.GetByLabel("Rejected", new() { Exact = true })).ToHaveTextAsync("0");
            await Expect(dashboard.GetByLabel("Spent", new() { Exact = true })).ToHaveTextAsync("10.00 EARN of 50.00 EARN");
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

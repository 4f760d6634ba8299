using System.Text;
using System.Text.RegularExpressions;
using Earnest.Identity;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Earnest.Tests.Web;

/// <summary>Steps through the requester dashboard's screens, shared by its tests and the end-to-end test.</summary>
public static class DashboardScreen
{
    /// <summary>Creates a wallet in the page, dismisses the backup panel, and returns the address shown.</summary>
    public static async Task<string> CreateWalletAsync(IPage page, WebServer server)
    {
        await page.GotoAsync(server.Url + "/dashboard/");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create a wallet" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Back up your wallet" })).ToBeVisibleAsync();
        var secret = await page.GetByLabel("Backup key", new() { Exact = true }).InputValueAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "I have saved it" }).ClickAsync();
        var address = await Figure(page, "Your address").InnerTextAsync();
        Assert.True(WalletAddress.IsValid(address), address);
        // The backup is the "earnest wallet" form: base58 of seed and public key; it signs as the address shown.
        using var key = WalletKey.Parse(secret);
        Assert.Equal(address, key.Address);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your campaigns" })).ToBeVisibleAsync();
        return address;
    }

    public static async Task GetTestFundsAsync(IPage page, string amount)
    {
        await page.GetByLabel("Test funds to add (EARN)").FillAsync(amount);
        await page.GetByRole(AriaRole.Button, new() { Name = "Get test funds" }).ClickAsync();
        await Expect(page.GetByText(new Regex("^Added .* to your balance\\.$"))).ToBeVisibleAsync();
    }

    public static async Task FillCampaignAsync(IPage page, string title, string reward, string budget, string overlap,
        string labels = "positive\nnegative", string instructions = "Read the review. Is the reviewer happy with the product?")
    {
        await page.GetByLabel("Title", new() { Exact = true }).FillAsync(title);
        await page.GetByLabel("Instructions for contributors").FillAsync(instructions);
        await page.GetByLabel("Answer labels, one per line").FillAsync(labels);
        await page.GetByLabel("Reward per accepted answer (EARN)").FillAsync(reward);
        await page.GetByLabel("Budget (EARN)").FillAsync(budget);
        await page.GetByLabel("Answers per task").FillAsync(overlap);
    }

    public static async Task CreateCampaignAsync(IPage page, string title, string reward, string budget, string overlap,
        string labels = "positive\nnegative", string instructions = "Read the review. Is the reviewer happy with the product?")
    {
        await page.GetByRole(AriaRole.Link, new() { Name = "New campaign" }).ClickAsync();
        await FillCampaignAsync(page, title, reward, budget, overlap, labels, instructions);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create campaign" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = title, Level = 2 })).ToBeVisibleAsync();
    }

    public static Task ChooseFileAsync(IPage page, string name, string text) =>
        page.GetByLabel("Tasks file (CSV or JSON Lines)").SetInputFilesAsync(new FilePayload
        {
            Name = name,
            MimeType = name.EndsWith(".csv", StringComparison.Ordinal) ? "text/csv" : "application/jsonl",
            Buffer = Encoding.UTF8.GetBytes(text),
        });

    /// <summary>A figure: an output named by its label.</summary>
    public static ILocator Figure(IPage page, string name) =>
        page.GetByLabel(name, new() { Exact = true });
}

/// <summary>Steps through the contributor app's screens, shared by its tests and the end-to-end test.</summary>
public static class ContributorScreen
{
    public static ILocator Balance(IPage page) => page.GetByRole(AriaRole.Status, new() { Name = "Balance" });

    public static async Task<string> CreateWalletAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Create a wallet" }).ClickAsync();
        await Expect(Balance(page)).ToContainTextAsync("0.00 EARN");
        return await page.GetByLabel("Your address").InputValueAsync();
    }
}

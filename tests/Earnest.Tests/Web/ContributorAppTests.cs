using Xunit;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Deque.AxeCore.Playwright;
using Earnest.Identity;
using Earnest.Market;
using Earnest.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static Earnest.Tests.Web.ContributorScreen;

namespace Earnest.Tests.Web;

/// <summary>
/// The contributor app in a real browser against a real server: the wallet, open work, the task screen with its
/// keyboard shortcuts, payments with receipts verified in the page, history, Spanish, and a phone-sized screen.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ContributorAppTests
{
    private readonly BrowserFixture browser;

    public ContributorAppTests(BrowserFixture browser)
    {
        this.browser = browser;
        // The whole suite runs in parallel with these tests; a busy machine should slow them, not fail them.
        SetDefaultExpectTimeout(15_000);
    }

    private const string Title = "Is this review positive?";
    private const long Reward = 20_000; // 0.02 EARN at 6 decimals

    // The first two tasks of each contributor are gold (qualification), decided and paid at once; the rest wait for
    // three answers each.
    private static readonly (string Id, string Text, string? Gold)[] Tasks =
    [
        ("g-1", "The battery lasts all week and the screen is lovely.", "positive"),
        ("g-2", "It broke after two days and support never answered.", "negative"),
        ("r-1", "Arrived on time; does what it says.", null),
        ("r-2", "Comfortable, quiet, and cheaper than the others.", null),
        ("r-3", "The colour is not the one in the pictures.", null),
    ];

    [Fact]
    public async Task A_wallet_is_made_backed_up_kept_and_imported_in_the_browser_and_garbage_is_refused()
    {
        await using var server = await WebServer.StartAsync();
        await using var context = await browser.NewContextAsync();
        var page = await OpenAsync(context, server);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Set up your wallet", Exact = true })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create a wallet" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your wallet", Exact = true })).ToBeVisibleAsync();
        var address = await page.GetByLabel("Your address").InputValueAsync();
        var backup = await page.GetByLabel("Backup key", new() { Exact = true }).InputValueAsync();
        using (var key = WalletKey.Parse(backup))
        {
            Assert.Equal(key.Address, address);
        }
        // Signed in: the balance is read with the token the signed challenge earned.
        await Expect(Balance(page)).ToContainTextAsync("0.00 EARN");
        await Screenshots.SaveAsync(page, "contributor-wallet");

        await page.ReloadAsync();
        await page.GotoAsync(server.Url + "/app/#/wallet");
        await Expect(page.GetByLabel("Your address")).ToHaveValueAsync(address);
        await Expect(Balance(page)).ToContainTextAsync("0.00 EARN");

        await using (var other = await browser.NewContextAsync())
        {
            var second = await OpenAsync(other, server);
            await second.GetByLabel("Your backup key").FillAsync(backup);
            await second.GetByRole(AriaRole.Button, new() { Name = "Import a wallet" }).ClickAsync();
            await Expect(second.GetByRole(AriaRole.Heading, new() { Name = "Open work", Exact = true })).ToBeVisibleAsync();
            await Expect(Balance(second)).ToContainTextAsync("0.00 EARN");
            await second.GetByRole(AriaRole.Link, new() { Name = "Wallet", Exact = true }).ClickAsync();
            await Expect(second.GetByLabel("Your address")).ToHaveValueAsync(address);
        }

        await using (var third = await browser.NewContextAsync())
        {
            var fresh = await OpenAsync(third, server);
            // Not base58; base58 of the wrong length; 64 bytes whose second half is not the first half's public key.
            var mismatched = backup[..^4] + (backup[^4] == '2' ? "3" : "2") + backup[^3..];
            foreach (var garbage in new[] { "not a key!", "3yZe7d", mismatched })
            {
                await fresh.GetByLabel("Your backup key").FillAsync(garbage);
                await fresh.GetByRole(AriaRole.Button, new() { Name = "Import a wallet" }).ClickAsync();
                await Expect(fresh.GetByRole(AriaRole.Alert).Filter(new() { HasText = "not a wallet backup" })).ToBeVisibleAsync();
                await Expect(fresh.GetByLabel("Your backup key")).ToHaveAttributeAsync("aria-invalid", "true");
                Assert.Null(await fresh.EvaluateAsync<string?>("() => localStorage.getItem('earnest.wallet.app')"));
                await Expect(fresh.GetByRole(AriaRole.Heading, new() { Name = "Set up your wallet", Exact = true })).ToBeVisibleAsync();
                await Expect(Balance(fresh)).ToContainTextAsync("Not signed in");
            }
        }

        // Forgetting asks first, then leaves this browser with no wallet.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out and forget this wallet" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep it" }).ClickAsync();
        await Expect(page.GetByLabel("Your address")).ToHaveValueAsync(address);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out and forget this wallet" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, forget it" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Set up your wallet", Exact = true })).ToBeVisibleAsync();
        await Expect(Balance(page)).ToContainTextAsync("Not signed in");
        Assert.Null(await page.EvaluateAsync<string?>("() => localStorage.getItem('earnest.wallet.app')"));
        Assert.Empty(_pageErrors); // no script failed in any page
    }

    [Fact]
    public async Task Tasks_are_answered_with_keys_and_buttons_and_payments_arrive_live_with_verified_receipts()
    {
        await using var server = await WebServer.StartAsync();
        var campaignId = await SeedAsync(server);
        await using var context = await browser.NewContextAsync();
        var page = await OpenAsync(context, server);
        var address = await CreateWalletAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Find work" }).ClickAsync();

        // The open work: title, pay per task, honest about what is not measured yet.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Open work", Exact = true })).ToBeVisibleAsync();
        var card = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = Title });
        await Expect(card.GetByRole(AriaRole.Heading, new() { Name = Title, Exact = true })).ToBeVisibleAsync();
        await Expect(card).ToContainTextAsync("0.02 EARN per task");
        await Expect(card).ToContainTextAsync("Pay per hour: not measured yet");
        await Expect(card).ToContainTextAsync("Accepted share: not measured yet");
        await Expect(card).ToContainTextAsync("3 tasks left"); // gold tasks are controls, not counted as work left
        await card.GetByRole(AriaRole.Link, new() { Name = $"Start: {Title}" }).ClickAsync();

        // Gold task 1, answered with the key 1 (the first label): accepted and paid; the header's balance follows.
        await ExpectItemAsync(page, Tasks[0].Text);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Instructions", Exact = true })).ToBeVisibleAsync();
        var answers = page.GetByRole(AriaRole.Group, new() { Name = "Your answer" });
        await Expect(answers.GetByRole(AriaRole.Button)).ToHaveCountAsync(2);
        await Expect(answers.GetByRole(AriaRole.Button, new() { Name = "positive", Exact = true })).ToHaveAttributeAsync("aria-keyshortcuts", "1");
        await Expect(answers.GetByRole(AriaRole.Button, new() { Name = "negative", Exact = true })).ToContainTextAsync("2");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Skip", Exact = true })).ToContainTextAsync("S");
        await Screenshots.SaveAsync(page, "contributor-task-desktop");
        await page.Keyboard.PressAsync("1");
        var notice = Notice(page);
        await Expect(notice).ToContainTextAsync("Accepted: matches the known answer. Paid 0.02 EARN.");
        await ExpectBalanceAsync(page, server, address, Reward);

        // Its receipt, checked in the page against the network key.
        await notice.GetByRole(AriaRole.Link, new() { Name = "View receipt" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Receipt" });
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.GetByRole(AriaRole.Status)).ToHaveTextAsync("✓ Receipt verified");
        var submission = server.Node.Work.Submissions(address, 10).Single();
        var receipt = server.Node.Funds.Receipt(address, submission.TransferId!).AssertOk();
        await Expect(dialog).ToContainTextAsync(
            $"In block {receipt.Block!.Height}, transfer {receipt.Proof!.Index + 1} of {receipt.Proof.Size}, signed by the network key.");
        await Expect(dialog).ToContainTextAsync(address);
        await Expect(dialog).ToContainTextAsync("0.02 EARN");
        await Expect(dialog).ToContainTextAsync(submission.Id);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        // Gold task 2, answered with its button; the task screen stayed where it was under the dialog.
        await ExpectItemAsync(page, Tasks[1].Text);
        await answers.GetByRole(AriaRole.Button, new() { Name = "negative", Exact = true }).ClickAsync();
        await ExpectBalanceAsync(page, server, address, 2 * Reward);

        // r-1, skipped with S: released on the server, and the next contributor is offered it.
        await ExpectItemAsync(page, Tasks[2].Text);
        await page.Keyboard.PressAsync("s");
        await Expect(notice).ToContainTextAsync("Skipped");
        await ExpectItemAsync(page, Tasks[3].Text);
        var statuses = server.Node.Database.Read(c => c.Query<string>(
            "SELECT status FROM assignments WHERE contributor = @address ORDER BY created_at", new { address }).ToList());
        Assert.Equal(["submitted", "submitted", "released", "active"], statuses);

        // r-2 needs three answers: pending now, paid the moment two others agree, with no action in the page.
        await page.Keyboard.PressAsync("1");
        await Expect(notice).ToContainTextAsync("Answer recorded");
        var seen = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            seen.AddRange(await AnswerAsNewContributorAsync(server, campaignId, until: "r-2"));
        }
        Assert.Contains("r-1", seen); // the skipped task went back to others
        await ExpectBalanceAsync(page, server, address, 3 * Reward);
        await Expect(notice).ToContainTextAsync("An earlier answer was accepted: agrees with the consensus (3 of 3). Paid 0.02 EARN.");
        await notice.GetByRole(AriaRole.Link, new() { Name = "View receipt" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Status)).ToHaveTextAsync("✓ Receipt verified");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        Assert.Empty(_pageErrors); // no script failed in any page
    }

    [Fact]
    public async Task History_shows_each_answer_with_its_decision_and_reason_and_earnings_over_time()
    {
        await using var server = await WebServer.StartAsync();
        await SeedAsync(server);
        await using var context = await browser.NewContextAsync();
        var page = await OpenAsync(context, server);
        var address = await CreateWalletAsync(page);
        await page.GotoAsync(server.Url + "/app/#/task");
        await ExpectItemAsync(page, Tasks[0].Text);
        await page.Keyboard.PressAsync("1"); // right: accepted
        await ExpectItemAsync(page, Tasks[1].Text);
        await page.Keyboard.PressAsync("1"); // wrong: rejected
        await ExpectItemAsync(page, Tasks[2].Text);
        await page.Keyboard.PressAsync("2"); // waits for others: pending
        await ExpectItemAsync(page, Tasks[3].Text);
        await ExpectBalanceAsync(page, server, address, Reward);

        await page.GetByRole(AriaRole.Link, new() { Name = "History" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "History", Exact = true })).ToBeVisibleAsync();
        var answers = page.GetByRole(AriaRole.Region, new() { Name = "Your answers" }).GetByRole(AriaRole.Listitem);
        var submissions = server.Node.Work.Submissions(address, 10);
        Assert.Equal(3, submissions.Count);
        await Expect(answers).ToHaveCountAsync(submissions.Count);
        var expected = new Dictionary<string, (string Status, string Reason)>
        {
            ["accepted"] = ("Accepted", "matches the known answer"),
            ["rejected"] = ("Rejected", "does not match the known answer"),
            ["pending"] = ("Pending", ""),
        };
        for (var i = 0; i < submissions.Count; i++)
        {
            var s = submissions[i]; // newest first, as the page lists them
            var row = answers.Nth(i);
            await Expect(row).ToContainTextAsync(Title);
            await Expect(row).ToContainTextAsync(expected[s.Status].Status);
            await Expect(row).ToContainTextAsync(expected[s.Status].Reason);
            await Expect(row).ToContainTextAsync($"Answer: {s.Answer}");
            Assert.Equal(s.Reason ?? "", expected[s.Status].Reason);
            await Expect(row.GetByRole(AriaRole.Link)).ToHaveCountAsync(s.TransferId is null ? 0 : 1);
        }

        var earnings = page.GetByRole(AriaRole.Region, new() { Name = "Earnings over time" });
        await Expect(earnings).ToContainTextAsync("Earned from tasks: 0.02 EARN");
        await Expect(earnings.GetByRole(AriaRole.Img, new() { Name = "Total earned over time" })).ToBeVisibleAsync();
        var payments = page.GetByRole(AriaRole.Region, new() { Name = "Payments received" }).GetByRole(AriaRole.Listitem);
        await Expect(payments).ToHaveCountAsync(1);
        await payments.GetByRole(AriaRole.Link, new() { Name = "View receipt" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Status)).ToHaveTextAsync("✓ Receipt verified");
        await Screenshots.SaveAsync(page, "contributor-receipt-desktop");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeHiddenAsync();

        // A receipt altered on the way (a hundred times the amount) is caught in the page, with the reason.
        await page.RouteAsync("**/v1/receipts/**", async route =>
        {
            var response = await route.FetchAsync();
            var receipt = JsonNode.Parse(await response.TextAsync())!;
            var payload = Encoding.UTF8.GetString(Convert.FromBase64String(receipt["payload"]!.GetValue<string>()));
            Assert.Contains($"\"amount\":{Reward},", payload, StringComparison.Ordinal);
            receipt["payload"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(
                payload.Replace($"\"amount\":{Reward},", $"\"amount\":{Reward * 100},", StringComparison.Ordinal)));
            await route.FulfillAsync(new() { Response = response, Body = receipt.ToJsonString() });
        });
        await payments.GetByRole(AriaRole.Link, new() { Name = "View receipt" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Status))
            .ToHaveTextAsync("Receipt does not verify: the transfer signature does not verify");
        await Expect(page.GetByRole(AriaRole.Dialog)).Not.ToContainTextAsync("2.00 EARN");
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await page.UnrouteAllAsync();
        await Screenshots.SaveAsync(page, "contributor-history-desktop", fullPage: true);
        Assert.Empty(_pageErrors); // no script failed in any page
    }

    [Fact]
    public async Task Spanish_speakers_get_spanish_and_the_picker_switches_language_live()
    {
        await using var server = await WebServer.StartAsync();
        await SeedAsync(server);
        await using var context = await browser.NewContextAsync(locale: "es-ES");
        var page = await OpenAsync(context, server);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Configura tu billetera", Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "es");
        await page.GetByRole(AriaRole.Button, new() { Name = "Crear una billetera" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Tu billetera", Exact = true })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Buscar trabajo" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Trabajo disponible", Exact = true })).ToBeVisibleAsync();
        var card = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = Title });
        await Expect(card).ToContainTextAsync("0,02 EARN por tarea");
        await Expect(card).ToContainTextAsync("Pago por hora: aún sin medir");
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Saldo" })).ToContainTextAsync("0,00 EARN");

        // Switched live: static and drawn text, numbers and the page's language, with no reload.
        await page.GetByLabel("Idioma").SelectOptionAsync("en");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Open work", Exact = true })).ToBeVisibleAsync();
        await Expect(card).ToContainTextAsync("0.02 EARN per task");
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Balance" })).ToContainTextAsync("0.00 EARN");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "History" })).ToBeVisibleAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        Assert.Equal("Open work · Earnest", await page.TitleAsync());

        // The task screen re-renders in place (same task, not a new lease).
        await page.GetByRole(AriaRole.Link, new() { Name = $"Start: {Title}" }).ClickAsync();
        await ExpectItemAsync(page, Tasks[0].Text);
        await page.GetByLabel("Language").SelectOptionAsync("es");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Instrucciones", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Saltar" })).ToBeVisibleAsync();
        await ExpectItemAsync(page, Tasks[0].Text);
        await page.Keyboard.PressAsync("1");
        await Expect(Notice(page)).ToContainTextAsync("Aceptada: coincide con la respuesta conocida. Pagado: 0,02 EARN.");
        await ExpectItemAsync(page, Tasks[1].Text);
        var leases = server.Node.Database.Read(c => c.Query<long>("SELECT COUNT(*) FROM assignments").Single());
        Assert.Equal(2, leases); // the one answered and the next; switching language leased nothing

        // The choice is kept for the next visit.
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Instrucciones", Exact = true })).ToBeVisibleAsync();
        Assert.Empty(_pageErrors); // no script failed in any page
    }

    [Fact]
    public async Task Every_screen_fits_a_small_phone_and_passes_an_accessibility_check()
    {
        await using var server = await WebServer.StartAsync();
        var campaignId = await SeedAsync(server);
        await using var context = await browser.NewContextAsync(width: 360, height: 740);
        var page = await OpenAsync(context, server);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Set up your wallet", Exact = true })).ToBeVisibleAsync();
        await CheckScreenAsync(page, "contributor-setup",
            page.GetByRole(AriaRole.Button, new() { Name = "Create a wallet" }),
            page.GetByRole(AriaRole.Button, new() { Name = "Import a wallet" }),
            page.GetByLabel("Language"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Create a wallet" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your wallet", Exact = true })).ToBeVisibleAsync();
        await Expect(Balance(page)).ToContainTextAsync("0.00 EARN");
        await CheckScreenAsync(page, "contributor-wallet-phone",
            page.GetByRole(AriaRole.Link, new() { Name = "Find work" }),
            page.GetByRole(AriaRole.Button, new() { Name = "Copy the backup key" }),
            page.GetByRole(AriaRole.Button, new() { Name = "Sign out and forget this wallet" }));

        await page.GetByRole(AriaRole.Link, new() { Name = "Find work" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = $"Start: {Title}" })).ToBeVisibleAsync();
        await CheckScreenAsync(page, "contributor-work",
            page.GetByRole(AriaRole.Link, new() { Name = $"Start: {Title}" }),
            page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }),
            page.GetByRole(AriaRole.Link, new() { Name = "History" }));

        await page.GetByRole(AriaRole.Link, new() { Name = $"Start: {Title}" }).ClickAsync();
        await ExpectItemAsync(page, Tasks[0].Text);
        await page.Keyboard.PressAsync("1");
        await Expect(Notice(page)).ToContainTextAsync("Paid 0.02 EARN");
        await ExpectItemAsync(page, Tasks[1].Text);
        await CheckScreenAsync(page, "contributor-task",
            page.GetByRole(AriaRole.Button, new() { Name = "positive", Exact = true }),
            page.GetByRole(AriaRole.Button, new() { Name = "negative", Exact = true }),
            page.GetByRole(AriaRole.Button, new() { Name = "Skip" }));

        await Notice(page).GetByRole(AriaRole.Link, new() { Name = "View receipt" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Receipt" });
        await Expect(dialog.GetByRole(AriaRole.Status)).ToHaveTextAsync("✓ Receipt verified");
        await CheckScreenAsync(page, "contributor-receipt", dialog.GetByRole(AriaRole.Button, new() { Name = "Close" }));
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "History" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Your answers" }).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);
        await CheckScreenAsync(page, "contributor-history",
            page.GetByRole(AriaRole.Region, new() { Name = "Payments received" }).GetByRole(AriaRole.Link, new() { Name = "View receipt" }),
            page.GetByRole(AriaRole.Link, new() { Name = "Work", Exact = true }));

        // An API error is shown in an alert with the server's own words.
        // (A lease the server does not know, as if kept from before a reset of a dev network.)
        await page.EvaluateAsync("id => sessionStorage.setItem('earnest.app.task', JSON.stringify({ id: 'asg_nope', campaignId: id, title: 'Gone', instructions: '', labels: ['a'], data: {}, reward: 1, asset: 'EARN', expiresAt: new Date(Date.now() + 600000).toISOString() }))", campaignId);
        await page.GotoAsync(server.Url + "/app/#/task");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Gone", Exact = true })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("1");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("No such assignment.");
        await CheckScreenAsync(page, "contributor-error");
        Assert.Empty(_pageErrors); // no script failed in any page
    }

    // ---- helpers ----

    private readonly List<string> _pageErrors = [];

    private async Task<IPage> OpenAsync(IBrowserContext context, WebServer server)
    {
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => _pageErrors.Add(error);
        await page.GotoAsync(server.Url + "/app/");
        return page;
    }

    /// <summary>The live region that reports each answer's decision and each payment.</summary>
    private static ILocator Notice(IPage page) =>
        page.GetByRole(AriaRole.Status, new() { Name = "Last update" }).Or(page.GetByRole(AriaRole.Status, new() { Name = "Última novedad" }));

    private static async Task ExpectItemAsync(IPage page, string text) =>
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Item", Exact = true })
            .Or(page.GetByRole(AriaRole.Region, new() { Name = "Elemento", Exact = true }))).ToContainTextAsync(text);

    /// <summary>The header shows the balance the ledger holds, in whole units.</summary>
    private static async Task ExpectBalanceAsync(IPage page, WebServer server, string address, long expected)
    {
        await Expect(Balance(page)).ToContainTextAsync(Money(expected));
        var held = server.Node.Funds.Account(address).Balances.Single(b => b.Asset == "EARN").Amount;
        Assert.Equal(expected, held);
        await Expect(Balance(page)).ToContainTextAsync(Money(held));
    }

    private static string Money(long baseUnits)
    {
        var fraction = (baseUnits % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0').PadRight(2, '0');
        return $"{baseUnits / 1_000_000}.{fraction} EARN";
    }

    /// <summary>A funded campaign of <see cref="Tasks"/>: two labels, three answers a task, two gold tasks first.</summary>
    private static async Task<string> SeedAsync(WebServer server)
    {
        using var requester = WalletKey.Create();
        const long budget = Reward * 100;
        (await server.Node.Funds.FaucetAsync(requester.Address, budget, null)).AssertOk();
        var campaign = (await server.Node.Campaigns.CreateAsync(requester.Address, new CreateCampaign(Title,
            "Read the review. Choose positive if its writer liked the product, negative if not.", "classification",
            ["positive", "negative"], Reward, budget, 3, null, new PolicyRequest(null, null, null, 2, null)))).AssertOk();
        (await server.Node.Campaigns.AddTasksAsync(requester.Address, campaign.Id, Tasks.Select(t => new NewTask(t.Id,
            JsonSerializer.SerializeToElement(new { text = t.Text }), t.Gold)).ToList())).AssertOk();
        (await server.Node.Campaigns.PublishAsync(requester.Address, campaign.Id)).AssertOk();
        return campaign.Id;
    }

    /// <summary>
    /// Another contributor, through the node: answers gold right and everything else "positive" until it has
    /// answered the task whose text is that of <paramref name="until"/>; returns the tasks it was offered.
    /// </summary>
    private static async Task<List<string>> AnswerAsNewContributorAsync(WebServer server, string campaignId, string until)
    {
        using var key = WalletKey.Create();
        var seen = new List<string>();
        var byText = Tasks.ToDictionary(t => t.Text);
        for (var i = 0; i < Tasks.Length; i++)
        {
            var lease = (await server.Node.Work.LeaseAsync(key.Address, campaignId)).AssertOk();
            Assert.NotNull(lease);
            var task = byText[lease.Data.GetProperty("text").GetString()!];
            seen.Add(task.Id);
            (await server.Node.Work.SubmitAsync(key.Address, lease.Id, task.Gold ?? "positive")).AssertOk();
            if (task.Id == until)
            {
                return seen;
            }
        }
        throw new InvalidOperationException($"{until} was never offered; offered: {string.Join(", ", seen)}");
    }

    /// <summary>
    /// At the page's size: no horizontal scroll, each primary control reachable inside the viewport and at least
    /// 44 px high, no serious or critical accessibility violations; then a screenshot.
    /// </summary>
    private static async Task CheckScreenAsync(IPage page, string name, params ILocator[] primary)
    {
        var fits = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth");
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(fits, $"{name}: scrolls sideways ({widths[0]} px of content in {widths[1]} px)");
        var viewport = page.ViewportSize!;
        foreach (var control in primary)
        {
            await control.ScrollIntoViewIfNeededAsync();
            var box = await control.BoundingBoxAsync();
            Assert.NotNull(box);
            Assert.True(box.X >= 0 && box.X + box.Width <= viewport.Width + 0.5 && box.Y >= 0 && box.Y + box.Height <= viewport.Height + 0.5,
                $"{name}: {control} is outside the viewport at {box.X},{box.Y} ({box.Width}×{box.Height})");
            Assert.True(box.Height >= 43.5, $"{name}: {control} is {box.Height} px high");
        }
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        var axe = await page.RunAxe();
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{name}: accessibility violations:\n" + string.Join("\n", serious.Select(v =>
            $"- {v.Id} ({v.Impact}): {v.Help}\n    " + string.Join("\n    ", v.Nodes.Select(n => n.Html)))));
        await Screenshots.SaveAsync(page, name);
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Deque.AxeCore.Playwright;
using Earnest.Identity;
using Earnest.Market;
using Earnest.Tests.Support;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;
using static Earnest.Tests.Web.DashboardScreen;

namespace Earnest.Tests.Web;

/// <summary>
/// The requester dashboard in a real browser against a real server: every test checks what the server holds, not only
/// what the page shows.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardTests(BrowserFixture browser)
{
    private const long Unit = 1_000_000; // EARN has 6 decimals

    static DashboardTests() => SetDefaultExpectTimeout(15_000);

    [Fact]
    public async Task A_requester_creates_uploads_a_csv_with_gold_and_publishes()
    {
        await using var server = await WebServer.StartAsync();
        var (context, page, errors) = await OpenAsync();
        await using var _ = context;
        var address = await CreateWalletAsync(page, server);

        await GetTestFundsAsync(page, "1000");
        await Expect(Figure(page, "Balance")).ToHaveTextAsync("1,000.00 EARN");
        Assert.Equal(1_000 * Unit, server.Node.Funds.Balance(address, "EARN"));

        await CreateCampaignAsync(page, "Is this review positive?", reward: "2", budget: "600", overlap: "3");
        var draft = Assert.Single(server.Node.Campaigns.List(address));
        Assert.Equal(("draft", 2 * Unit, 600 * Unit, 3), (draft.Status, draft.Reward, draft.Budget, draft.Overlap));
        Assert.Equal(["positive", "negative"], draft.Labels);

        // RFC 4180: a quoted field with a comma, doubled quotes and a line break inside; a blank gold cell is no gold.
        const string csv = "id,text,gold\r\n" +
            "r-1,\"Great, really \"\"great\"\" product\",\r\n" +
            "r-2,\"Broke after a day.\nWould not buy again.\",\r\n" +
            "r-3,Does the job,\r\n" +
            "r-4,Terrible support,\r\n" +
            "g-1,I love it,positive\r\n" +
            "g-2,Worst purchase ever,negative\r\n";
        await ChooseFileAsync(page, "tasks.csv", csv);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Ready to upload" }))
            .ToHaveTextAsync("Ready to upload 6 tasks, 2 of them gold (CSV).");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "First tasks of the file" })).ToContainTextAsync("r-1");
        await Screenshots.SaveAsync(page, "requester-upload");
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload tasks" }).ClickAsync();
        await Expect(page.GetByText("Uploaded: 6 tasks added, 0 already there.")).ToBeVisibleAsync();
        await Expect(Figure(page, "Tasks")).ToHaveTextAsync("6 (2 gold)");

        var stored = server.Node.Database.Read(c => c.Query<(string Id, string Data, string? Gold)>(
            "SELECT id, data, gold FROM tasks WHERE campaign_id = @id ORDER BY seq", new { id = draft.Id }).ToList());
        Assert.Equal(["r-1", "r-2", "r-3", "r-4", "g-1", "g-2"], stored.Select(t => t.Id));
        Assert.Equal("Great, really \"great\" product", Text(stored[0].Data));
        Assert.Equal("Broke after a day.\nWould not buy again.", Text(stored[1].Data));
        Assert.Equal([null, null, null, null, "positive", "negative"], stored.Select(t => t.Gold));

        await page.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Expect(page.GetByText("Published: 600.00 EARN is in escrow")).ToBeVisibleAsync();
        await Expect(Figure(page, "Balance")).ToHaveTextAsync("400.00 EARN");
        await Expect(Figure(page, "In escrow")).ToHaveTextAsync("600.00 EARN");

        var open = server.Node.Campaigns.Get(address, draft.Id).AssertOk();
        Assert.Equal(("open", 6, 2, 600 * Unit), (open.Status, open.Tasks, open.GoldTasks, open.Escrow));
        Assert.Equal(400 * Unit, server.Node.Funds.Balance(address, "EARN"));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task The_live_view_follows_the_event_stream_and_results_download_and_close_refunds()
    {
        await using var server = await WebServer.StartAsync();
        var (context, page, errors) = await OpenAsync();
        await using var _ = context;
        var address = await CreateWalletAsync(page, server);
        var id = await PublishedCampaignAsync(server, address);

        // Publishing (done here through the node) reaches the open list through the event stream.
        await page.GetByRole(AriaRole.Link, new() { Name = "Is this review positive?" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Is this review positive?", Level = 2 })).ToBeVisibleAsync();
        await Expect(Figure(page, "Answers")).ToHaveTextAsync("0");
        await page.EvaluateAsync("() => { window.sameDocument = 'yes'; }");

        // Contributors work through the node; the page learns of it only through progress events.
        var first = TestNode.NewAddress();
        var answered = await WorkAsync(server, id, first, mistakes: 0);
        await Expect(Figure(page, "Answers")).ToHaveTextAsync(answered.ToString(CultureInfo.InvariantCulture));

        await WorkAsync(server, id, TestNode.NewAddress(), mistakes: 0);
        await WorkAsync(server, id, TestNode.NewAddress(), mistakes: 1);
        var view = server.Node.Campaigns.Get(address, id).AssertOk();
        Assert.Equal((8, 0), (view.TasksDone, view.Pending));
        Assert.True(view.Rejected >= 1);
        await Expect(Figure(page, "Tasks done")).ToHaveTextAsync("8 of 8");
        await Expect(Figure(page, "Answers")).ToHaveTextAsync(view.Submissions.ToString(CultureInfo.InvariantCulture));
        await Expect(Figure(page, "Accepted")).ToHaveTextAsync(view.Accepted.ToString(CultureInfo.InvariantCulture));
        await Expect(Figure(page, "Rejected")).ToHaveTextAsync(view.Rejected.ToString(CultureInfo.InvariantCulture));
        await Expect(Figure(page, "Spent")).ToHaveTextAsync($"{Earn(view.Spent)} of 200.00 EARN");
        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.sameDocument"));

        // The charts are SVG images named by their titles.
        foreach (var chart in new[] { "Accepted and rejected answers over time", "Spending over time", "Time from answer to payment", "Contributor quality (estimated accuracy)" })
        {
            await Expect(page.GetByRole(AriaRole.Img, new() { Name = chart })).ToBeVisibleAsync();
        }
        await Expect(page.Locator("#chart-paid svg title")).ToHaveTextAsync("Time from answer to payment");
        await Expect(page.GetByText(new Regex(@"^\d+ payments\. Median"))).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Contributors" }).GetByRole(AriaRole.Row)).ToHaveCountAsync(4);

        // Results: each task with its answer and confidence.
        var results = page.GetByRole(AriaRole.Region, new() { Name = "Results by task" });
        await Expect(results.GetByRole(AriaRole.Row)).ToHaveCountAsync(11);
        await Expect(results.GetByRole(AriaRole.Row).Filter(new() { HasText = "r-1" })).ToContainTextAsync(new Regex(@"positive\s*\d+(\.\d)?%\s*3\s*Yes"));
        await Expect(results.GetByRole(AriaRole.Row).Filter(new() { HasText = "g-1" })).ToContainTextAsync("100%");
        await page.GetByRole(AriaRole.Heading, new() { Name = "Is this review positive?" }).EvaluateAsync("e => e.scrollIntoView({ block: 'start' })");
        await Screenshots.SaveAsync(page, "requester-live");
        await Screenshots.SaveAsync(page, "requester-live-full", fullPage: true);

        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Button, new() { Name = "Download results (CSV)" }).ClickAsync());
        var lines = (await File.ReadAllTextAsync(await download.PathAsync())).TrimEnd('\n').Split('\n');
        Assert.Equal("taskId,answer,confidence,submissions,decided,gold", lines[0]);
        Assert.Equal(10, lines.Length - 1);
        Assert.Contains(lines, l => l.StartsWith("r-1,positive,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l == "g-2,negative,1,3,true,true" || l.StartsWith("g-2,negative,1,", StringComparison.Ordinal));

        // Close: the unspent escrow comes back.
        var before = server.Node.Funds.Balance(address, "EARN");
        var escrow = server.Node.Campaigns.Get(address, id).AssertOk().Escrow;
        Assert.Equal(200 * Unit - view.Spent, escrow);
        await page.GetByRole(AriaRole.Button, new() { Name = "Close campaign" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Close and refund" }).ClickAsync();
        await Expect(page.GetByText($"Closed: {Earn(escrow)} returned to your balance.")).ToBeVisibleAsync();
        await Expect(Figure(page, "Balance")).ToHaveTextAsync(Earn(before + escrow));
        await Expect(Figure(page, "Refunded")).ToHaveTextAsync(Earn(escrow));
        var closed = server.Node.Campaigns.Get(address, id).AssertOk();
        Assert.Equal(("closed", escrow, 0L), (closed.Status, closed.Refunded, closed.Escrow));
        Assert.Equal(before + escrow, server.Node.Funds.Balance(address, "EARN"));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Close campaign" })).ToBeHiddenAsync();
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Bad_input_is_reported_where_it_is_and_changes_nothing()
    {
        await using var server = await WebServer.StartAsync();
        var (context, page, errors) = await OpenAsync();
        await using var _ = context;
        var address = await CreateWalletAsync(page, server);
        await GetTestFundsAsync(page, "100");
        await Expect(Figure(page, "Balance")).ToHaveTextAsync("100.00 EARN");

        // An empty title.
        await page.GetByRole(AriaRole.Link, new() { Name = "New campaign" }).ClickAsync();
        await FillCampaignAsync(page, title: "", reward: "2", budget: "500", overlap: "3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create campaign" }).ClickAsync();
        var title = page.GetByLabel("Title", new() { Exact = true });
        await Expect(title).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(title).ToHaveAccessibleDescriptionAsync("Enter a title.");
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Nothing was created" })).ToHaveTextAsync("Nothing was created. Check: Title.");
        await Expect(title).ToBeFocusedAsync();
        Assert.Empty(server.Node.Campaigns.List(address));

        // A reward of zero.
        await title.FillAsync("Sentiment");
        await page.GetByLabel("Reward per accepted answer (EARN)").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create campaign" }).ClickAsync();
        var reward = page.GetByLabel("Reward per accepted answer (EARN)");
        await Expect(reward).ToHaveAccessibleDescriptionAsync("The reward must be more than zero.");
        await Expect(title).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Screenshots.SaveAsync(page, "requester-create-errors");
        Assert.Empty(server.Node.Campaigns.List(address));

        // What only the server checks comes back by field, next to it: a label longer than 100 characters.
        await reward.FillAsync("2");
        var labels = page.GetByLabel("Answer labels, one per line");
        await labels.FillAsync("positive\n" + new string('x', 101));
        await page.GetByRole(AriaRole.Button, new() { Name = "Create campaign" }).ClickAsync();
        await Expect(labels).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(labels).ToHaveAccessibleDescriptionAsync(new Regex("Each label is 1 to 100 characters\\.$"));
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Nothing was created" })).ToHaveTextAsync("Nothing was created. Check: Labels.");
        await Expect(reward).Not.ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Empty(server.Node.Campaigns.List(address));
        await labels.FillAsync("positive\nnegative");

        // Valid, with a budget above the balance: the draft is created (the balance is checked when publishing).
        await Expect(page.GetByText("Your balance is 100.00 EARN; publishing needs the whole budget.")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create campaign" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sentiment", Level = 2 })).ToBeVisibleAsync();
        var id = Assert.Single(server.Node.Campaigns.List(address)).Id;

        // Bad files: each names its line, and nothing reaches the server.
        var badFiles = new (string Name, string Text, int Line, string Message)[]
        {
            ("fields.csv", "id,text\na,one\nb,two\nc,three,extra\nd,four\n", 4, "Line 4: expected 2 fields, found 3."),
            ("quote.csv", "text,gold\nfine,\n\"never closed,positive\nmore,\n", 3, "Line 3: a quoted field is never closed."),
            ("gold.csv", "text,gold\nfine,positive\nodd,maybe\n", 3, "Line 3: the gold answer \"maybe\" is not one of the labels (positive, negative)."),
            ("dup.csv", "id,text\n7,a\n8,b\n7,c\n", 4, "Line 4: the id \"7\" was already used on line 2."),
            ("empty.csv", "", 1, "Line 1: the file is empty."),
            ("tasks.jsonl", "{\"id\":\"a\",\"data\":{\"text\":\"x\"}}\n\n{\"id\":\"b\",\"data\":{\"text\":\"y\"}\n{\"id\":\"c\",\"data\":{}}\n", 3, "Line 3: not valid JSON."),
        };
        foreach (var (name, text, line, message) in badFiles)
        {
            await ChooseFileAsync(page, name, text);
            var alert = page.GetByRole(AriaRole.Alert).Filter(new() { HasText = $"Line {line}:" });
            await Expect(alert).ToHaveTextAsync($"{message} Nothing was uploaded.");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Upload tasks" })).ToBeDisabledAsync();
            Assert.Equal(0, server.Node.Campaigns.Get(address, id).AssertOk().Tasks);
        }
        await Screenshots.SaveAsync(page, "requester-upload-error");

        // A good file, then publishing with a budget above the balance: refused, nothing moved.
        await ChooseFileAsync(page, "good.jsonl", "{\"id\":\"a\",\"data\":{\"text\":\"x\"},\"gold\":\"positive\"}\n{\"text\":\"flat row\"}\n");
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Ready to upload" }))
            .ToHaveTextAsync("Ready to upload 2 tasks, 1 of them gold (JSON Lines).");
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload tasks" }).ClickAsync();
        await Expect(page.GetByText("Uploaded: 2 tasks added, 0 already there.")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Not published" })).ToContainTextAsync(
            "Not published: the budget is 500.00 EARN but your balance is 100.00 EARN. Nothing was moved.");
        var draft = server.Node.Campaigns.Get(address, id).AssertOk();
        Assert.Equal(("draft", 2, 0L), (draft.Status, draft.Tasks, draft.Escrow));
        Assert.Equal(100 * Unit, server.Node.Funds.Balance(address, "EARN"));
        await Expect(Figure(page, "Balance")).ToHaveTextAsync("100.00 EARN");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task An_api_key_signs_in()
    {
        await using var server = await WebServer.StartAsync();
        using var wallet = WalletKey.Create();
        var key = await server.Node.SignIn.CreateApiKeyAsync(wallet.Address);
        (await server.Node.Funds.FaucetAsync(wallet.Address, 250 * Unit, null)).AssertOk();
        var (context, page, errors) = await OpenAsync();
        await using var _ = context;
        await page.GotoAsync(server.Url + "/dashboard/");

        var field = page.GetByLabel("API key");
        await field.FillAsync("not-a-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with the API key" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The server does not accept this API key.");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Account" })).ToBeHiddenAsync();

        await field.FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with the API key" }).ClickAsync();
        await Expect(Figure(page, "Your address")).ToHaveTextAsync(wallet.Address);
        await Expect(Figure(page, "Balance")).ToHaveTextAsync("250.00 EARN");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your campaigns" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Back up your wallet" })).ToBeHiddenAsync();

        // Signed in with the key, the requester works as with a wallet: a campaign made here is the key's account's.
        await CreateCampaignAsync(page, "Made with a key", reward: "1", budget: "10", overlap: "1");
        Assert.Equal("Made with a key", Assert.Single(server.Node.Campaigns.List(wallet.Address)).Title);

        // The key lasts for the browser session: a reload stays signed in; signing out forgets it.
        await page.ReloadAsync();
        await Expect(Figure(page, "Your address")).ToHaveTextAsync(wallet.Address);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_wallet_backup_imports_and_a_saved_wallet_is_never_replaced()
    {
        await using var server = await WebServer.StartAsync();
        using var wallet = WalletKey.Create();
        (await server.Node.Funds.FaucetAsync(wallet.Address, 5 * Unit, null)).AssertOk();
        var (context, page, errors) = await OpenAsync();
        await using var _ = context;
        await page.GotoAsync(server.Url + "/dashboard/");

        var backup = page.GetByLabel("Your backup key (base58, or a JSON array of 64 numbers)");
        await backup.FillAsync("not a key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Import a wallet" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(
            "That is not a wallet backup: it must be the 64-byte key that \"earnest wallet\" or this app exported.");

        // The key file "earnest wallet new" writes.
        await backup.FillAsync(wallet.ExportSecret());
        await page.GetByRole(AriaRole.Button, new() { Name = "Import a wallet" }).ClickAsync();
        await Expect(Figure(page, "Your address")).ToHaveTextAsync(wallet.Address);
        await Expect(Figure(page, "Balance")).ToHaveTextAsync("5.00 EARN");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your campaigns" })).ToBeFocusedAsync();

        // Signing out forgets the key, after a warning.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out and forget this wallet" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => localStorage.getItem('earnest.wallet.dashboard')"));

        // A Solana CLI key file (a JSON array of the same 64 bytes) is the same wallet.
        var bytes = Base58Text.TryDecode(wallet.ExportSecret(), maxLength: 100)!;
        await backup.FillAsync("[" + string.Join(",", bytes) + "]");
        await page.GetByRole(AriaRole.Button, new() { Name = "Import a wallet" }).ClickAsync();
        await Expect(Figure(page, "Your address")).ToHaveTextAsync(wallet.Address);

        // When the kept wallet cannot sign in (the server unreachable), the page offers to try again and hides
        // "create" and "import", which would replace the kept key.
        await page.RouteAsync("**/v1/auth/challenge", route => route.AbortAsync());
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your saved wallet" })).ToBeVisibleAsync();
        await Expect(page.GetByText($"This browser keeps the wallet {wallet.Address}")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Sign-in failed: The server cannot be reached.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create a wallet" })).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Import a wallet" })).ToBeHiddenAsync();
        await page.UnrouteAsync("**/v1/auth/challenge");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with the saved wallet" }).ClickAsync();
        await Expect(Figure(page, "Your address")).ToHaveTextAsync(wallet.Address);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_spanish_browser_gets_spanish_and_the_switch_works_live()
    {
        await using var server = await WebServer.StartAsync();
        var (context, page, errors) = await OpenAsync(locale: "es-ES");
        await using var _ = context;
        await page.GotoAsync(server.Url + "/dashboard/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Iniciar sesión" })).ToBeVisibleAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "es");
        await Expect(page).ToHaveTitleAsync("Panel de solicitantes de Earnest");
        await Screenshots.SaveAsync(page, "requester-signin-es");

        await page.GetByRole(AriaRole.Button, new() { Name = "Crear una billetera" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Ya la guardé" }).ClickAsync();
        var address = await Figure(page, "Tu dirección").InnerTextAsync();
        var id = await PublishedCampaignAsync(server, address);
        await page.GetByRole(AriaRole.Link, new() { Name = "Is this review positive?" }).ClickAsync();
        await Expect(Figure(page, "Tareas")).ToHaveTextAsync("10 (2 de control)");
        await Expect(Figure(page, "Gastado")).ToHaveTextAsync("0,00 EARN de 200,00 EARN");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Descargar resultados (CSV)" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Tiempo de la respuesta al pago" })).ToBeVisibleAsync();

        // Switching re-renders the static text and what was drawn from data, in place.
        await page.GetByLabel("Idioma").SelectOptionAsync("en");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Progress" })).ToBeVisibleAsync();
        await Expect(Figure(page, "Tasks")).ToHaveTextAsync("10 (2 gold)");
        await Expect(Figure(page, "Spent")).ToHaveTextAsync("0.00 EARN of 200.00 EARN");
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Time from answer to payment" })).ToBeVisibleAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(page).ToHaveTitleAsync("Earnest requester dashboard");

        // The choice is kept: a reload stays in English even though the browser asks for Spanish.
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Progress" })).ToBeVisibleAsync();
        await page.GetByLabel("Language").SelectOptionAsync("es");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Progreso" })).ToBeVisibleAsync();
        Assert.Equal(id, Assert.Single(server.Node.Campaigns.List(address)).Id);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Every_screen_fits_a_phone_and_passes_an_accessibility_check()
    {
        await using var server = await WebServer.StartAsync();
        var (context, page, errors) = await OpenAsync(width: 360, height: 740);
        await using var _ = context;

        await page.GotoAsync(server.Url + "/dashboard/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await CheckScreenAsync(page, "sign-in", page.GetByRole(AriaRole.Button, new() { Name = "Create a wallet" }),
            page.GetByRole(AriaRole.Button, new() { Name = "Sign in with the API key" }));
        await Screenshots.SaveAsync(page, "requester-signin-phone");

        await page.GetByRole(AriaRole.Button, new() { Name = "Create a wallet" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Back up your wallet" })).ToBeVisibleAsync();
        await CheckScreenAsync(page, "backup", page.GetByRole(AriaRole.Button, new() { Name = "I have saved it" }));
        await page.GetByRole(AriaRole.Button, new() { Name = "I have saved it" }).ClickAsync();
        var address = await Figure(page, "Your address").InnerTextAsync();
        await GetTestFundsAsync(page, "1000");

        var id = await PublishedCampaignAsync(server, address);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Is this review positive?" })).ToBeVisibleAsync();
        await CheckScreenAsync(page, "campaign list", page.GetByRole(AriaRole.Link, new() { Name = "New campaign" }),
            page.GetByRole(AriaRole.Button, new() { Name = "Get test funds" }));
        await Screenshots.SaveAsync(page, "requester-list-phone");

        await page.GetByRole(AriaRole.Link, new() { Name = "New campaign" }).ClickAsync();
        await FillCampaignAsync(page, title: "", reward: "0", budget: "50", overlap: "3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create campaign" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Nothing was created" })).ToBeVisibleAsync();
        await CheckScreenAsync(page, "create form", page.GetByRole(AriaRole.Button, new() { Name = "Create campaign" }));
        await Screenshots.SaveAsync(page, "requester-create-phone");
        await page.GetByLabel("Title", new() { Exact = true }).FillAsync("A draft on a phone");
        await page.GetByLabel("Reward per accepted answer (EARN)").FillAsync("0.5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create campaign" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "A draft on a phone" })).ToBeVisibleAsync();

        await ChooseFileAsync(page, "wide.csv", "id,text,gold\n" + string.Join("\n", Enumerable.Range(1, 8).Select(i =>
            $"task-with-a-long-identifier-{i},\"{string.Concat(Enumerable.Repeat("a long review without spaces ", 4))}\",{(i % 4 == 0 ? "positive" : "")}")) + "\n");
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Ready to upload" })).ToBeVisibleAsync();
        await CheckScreenAsync(page, "upload", page.GetByRole(AriaRole.Button, new() { Name = "Upload tasks" }));
        await Screenshots.SaveAsync(page, "requester-upload-phone", fullPage: true);
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload tasks" }).ClickAsync();
        await Expect(page.GetByText("Uploaded: 8 tasks added, 0 already there.")).ToBeVisibleAsync();
        await CheckScreenAsync(page, "publish", page.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }));

        await page.GotoAsync($"{server.Url}/dashboard/#/campaign/{id}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Is this review positive?" })).ToBeVisibleAsync();
        await WorkAsync(server, id, TestNode.NewAddress(), mistakes: 0);
        await WorkAsync(server, id, TestNode.NewAddress(), mistakes: 1);
        await Expect(Figure(page, "Answers")).Not.ToHaveTextAsync("0");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Results by task" }).GetByRole(AriaRole.Row)).ToHaveCountAsync(11);
        await CheckScreenAsync(page, "live view and results", page.GetByRole(AriaRole.Button, new() { Name = "Download results (CSV)" }),
            page.GetByRole(AriaRole.Button, new() { Name = "Close campaign" }));
        await Screenshots.SaveAsync(page, "requester-live-phone", fullPage: true);
        Assert.Empty(errors);
    }

    [Fact]
    public void The_dashboard_stays_light_on_bytes()
    {
        // What a requester's browser downloads on a first visit (Brotli), shared modules included.
        var sizes = Earnest.Server.Http.WebApps.Sizes();
        Assert.Contains("dashboard/index.html", sizes.Keys);
        var dashboard = sizes.Where(s => s.Key.StartsWith("dashboard/", StringComparison.Ordinal) || s.Key.StartsWith("shared/", StringComparison.Ordinal))
            .Sum(s => s.Value.Brotli);
        Assert.InRange(dashboard, 1_000, 60_000);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private async Task<(IBrowserContext Context, IPage Page, List<string> Errors)> OpenAsync(string locale = "en-US",
        int width = 1280, int height = 900)
    {
        var context = await browser.NewContextAsync(locale, width, height);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        return (context, page, errors);
    }

    private static string Earn(long baseUnits) =>
        (baseUnits / (decimal)Unit).ToString("#,0.00####", CultureInfo.InvariantCulture) + " EARN";

    private static string Text(string data) => JsonDocument.Parse(data).RootElement.GetProperty("text").GetString()!;

    private static readonly Dictionary<string, string> Reviews = new()
    {
        ["r-1"] = "positive", ["r-2"] = "negative", ["r-3"] = "positive", ["r-4"] = "negative",
        ["r-5"] = "positive", ["r-6"] = "negative", ["r-7"] = "positive", ["r-8"] = "negative",
    };

    /// <summary>A funded, published campaign of the requester: 8 reviews and 2 gold tasks, 3 answers each.</summary>
    private static async Task<string> PublishedCampaignAsync(WebServer server, string requester)
    {
        (await server.Node.Funds.FaucetAsync(requester, 1_000 * Unit, null)).AssertOk();
        var campaign = (await server.Node.Campaigns.CreateAsync(requester, new CreateCampaign("Is this review positive?",
            "Read the review. Is the reviewer happy with the product?", "classification", ["positive", "negative"],
            2 * Unit, 200 * Unit, 3, null))).AssertOk();
        var tasks = Reviews.Select(r => new NewTask(r.Key, Data(r.Key), null))
            .Append(new NewTask("g-1", Data("g-1"), "positive"))
            .Append(new NewTask("g-2", Data("g-2"), "negative"))
            .ToList();
        (await server.Node.Campaigns.AddTasksAsync(requester, campaign.Id, tasks)).AssertOk();
        (await server.Node.Campaigns.PublishAsync(requester, campaign.Id)).AssertOk();
        return campaign.Id;

        static JsonElement Data(string id) => JsonSerializer.SerializeToElement(new { text = "review " + id });
    }

    /// <summary>A contributor answers every task the campaign gives it; returns how many.</summary>
    private static async Task<int> WorkAsync(WebServer server, string campaignId, string contributor, int mistakes)
    {
        var answered = 0;
        while ((await server.Node.Work.LeaseAsync(contributor, campaignId)).AssertOk() is { } lease)
        {
            var id = lease.Data.GetProperty("text").GetString()!["review ".Length..];
            var truth = id switch { "g-1" => "positive", "g-2" => "negative", _ => Reviews[id] };
            var answer = mistakes > 0 && id.StartsWith("r-", StringComparison.Ordinal)
                ? (truth == "positive" ? "negative" : "positive")
                : truth;
            if (answer != truth)
            {
                mistakes--;
            }
            (await server.Node.Work.SubmitAsync(contributor, lease.Id, answer)).AssertOk();
            answered++;
        }
        return answered;
    }

    /// <summary>No horizontal scroll, the primary controls within the width, and no serious accessibility issue.</summary>
    private static async Task CheckScreenAsync(IPage page, string screen, params ILocator[] primary)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1], $"{screen}: the page scrolls sideways ({widths[0]} px wide in {widths[1]} px)");
        foreach (var control in primary)
        {
            await control.ScrollIntoViewIfNeededAsync();
            await Expect(control).ToBeInViewportAsync();
            await Expect(control).ToBeEnabledAsync();
            var box = await control.BoundingBoxAsync();
            Assert.True(box is not null && box.X >= 0 && box.X + box.Width <= widths[1],
                $"{screen}: a control is outside the width ({box?.X}..{box?.X + box?.Width})");
        }
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{screen}: accessibility violations:\n" + string.Join("\n", serious.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(" | ", v.Nodes.Select(n => n.Html))}")));
    }
}

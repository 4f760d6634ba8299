using System.CommandLine;
using System.Text.Json;
using Earnest.Client;
using Earnest.Settlement;

namespace Earnest.Cli;

/// <summary>
/// <c>earnest withdraw</c> and <c>earnest deposit</c>: a wallet's side of settlement on Solana, through a server's
/// HTTP API, signed in with the wallet's key file as any client signs in.
/// </summary>
public static class SettlementCommands
{
    /// <summary>The withdraw command.</summary>
    public static Command Withdraw()
    {
        var (url, key) = (UrlOption(), KeyOption());
        var asset = new Option<string>("--asset") { Description = "The asset to withdraw.", DefaultValueFactory = _ => "EARN" };
        var amount = new Option<long>("--amount") { Description = "Base units to withdraw (10^decimals per whole token).", Required = true };
        var to = new Option<string?>("--to") { Description = "The Solana wallet paid (default: the key's own address); its token account for the asset's mint receives the tokens." };
        var id = new Option<string?>("--id") { Description = "The withdrawal's id; repeat it to retry safely (default: a new one)." };
        var command = new Command("withdraw",
            "Withdraw from your balance to a Solana wallet: the amount leaves the balance at once and the network's settler pays it on chain.")
        {
            url, key, asset, amount, to, id,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var wallet = WalletCommands.Load(parse.GetValue(key)!);
            var client = await SignInAsync(parse.GetValue(url)!, wallet, ct);
            var withdrawalId = parse.GetValue(id) ?? "w-" + Guid.CreateVersion7().ToString("N");
            var view = await CallAsync(() => client.WithdrawAsync(parse.GetValue(asset)!, parse.GetValue(amount),
                parse.GetValue(to) ?? wallet.Address, withdrawalId, ct));
            Console.WriteLine($"withdrawal {view.Id}: {view.Amount} {view.Asset} base units to {view.To}, {view.Status}" +
                              (view.Result == Earnest.Ledger.PaymentView.Exists ? " (an earlier request with this id; nothing moved again)" : ""));
            Console.WriteLine($"  ledger transfer {view.TransferId}; follow it with GET /v1/withdrawals/{view.Id}");
            client.Http.Dispose();
            return 0;
        });
        return command;
    }

    /// <summary>The deposit command.</summary>
    public static Command Deposit()
    {
        var (url, key) = (UrlOption(), KeyOption());
        var asset = new Option<string>("--asset") { Description = "The asset to deposit.", DefaultValueFactory = _ => "EARN" };
        var command = new Command("deposit",
            "Get a deposit address and a fresh reference: a transfer of the asset's mint to it that carries the reference is credited to you once.")
        {
            url, key, asset,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var wallet = WalletCommands.Load(parse.GetValue(key)!);
            var client = await SignInAsync(parse.GetValue(url)!, wallet, ct);
            var view = await CallAsync(() => client.DepositAddressAsync(parse.GetValue(asset)!, ct));
            Console.WriteLine($"pay {view.Asset} (mint {view.Mint}, {view.Decimals} decimals) to the token account {view.TokenAccount}");
            Console.WriteLine($"  (the associated token account of {view.Recipient}) with TransferChecked, adding the reference");
            Console.WriteLine($"  {view.Reference} as a read-only account; or open this Solana Pay request in a wallet:");
            Console.WriteLine($"  {view.Url}");
            client.Http.Dispose();
            return 0;
        });
        return command;
    }

    private static Option<string> UrlOption() => new("--url")
    {
        Description = "The server's base URL.",
        DefaultValueFactory = _ => "http://127.0.0.1:5080",
    };

    private static Option<string> KeyOption() => new("--key")
    {
        Description = "The wallet's key file (base58 secret, or a Solana CLI JSON array).",
        DefaultValueFactory = _ => "wallet.key",
    };

    private static async Task<EarnestClient> SignInAsync(string url, Earnest.Identity.WalletKey wallet, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliException($"--url must be an http URL, not '{url}'.");
        }
        var client = new EarnestClient(new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromSeconds(30) });
        await CallAsync(async () =>
        {
            await client.SignInAsync(wallet, ct);
            return true;
        });
        return client;
    }

    /// <summary>Runs a call, turning a refusal into one line with the server's reason.</summary>
    private static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ApiException e)
        {
            throw new CliException($"the server refused ({(int)e.Status}): {Detail(e.Body)}");
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach the server: {e.Message}");
        }
    }

    private static string Detail(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String
                ? detail.GetString()!
                : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using Earnest.Client;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Settlement;
using Earnest.Solana;
using Earnest.Solana.Programs;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Http;

/// <summary>
/// The settlement endpoints through the real HTTP server: a withdrawal is accepted and leaves the balance at once;
/// every kind of bad input (an address that is not base58 or not 32 bytes or not a wallet, an amount of zero or above
/// the balance, an unknown asset or one with no mint, a missing or reused id) gets a precise problem+json and changes
/// nothing — a fingerprint of the whole ledger and the settlement tables is compared before and after — and a retry
/// with the same id answers the original without moving anything again. Also <c>earnest withdraw</c> against it.
/// </summary>
public sealed class SettlementHttpTests : IAsyncLifetime
{
    private readonly PublicKey _mint = PublicKey.Parse("9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin");
    private TestServer _server = null!;
    private EarnestClient _owner = null!;
    private WalletKey _ownerKey = null!;
    private EarnestClient _other = null!;

    public async Task InitializeAsync()
    {
        // A node with a mint for EARN; nothing here reaches the chain (no settler runs), so the RPC URL is never called.
        _server = await TestServer.StartAsync(configureNode: o =>
        {
            o.Settlement.RpcUrl = "http://127.0.0.1:9";
            o.Settlement.Mints["EARN"] = _mint.ToString();
        });
        _ownerKey = WalletKey.Create();
        _owner = new EarnestClient(_server.NewHttp());
        await _owner.SignInAsync(_ownerKey);
        await _owner.FaucetAsync(50_000);
        _other = await _server.SignedInAsync();
        await _other.FaucetAsync(50_000);
        await _other.PostAsync<AssetView>("/v1/assets", new { symbol = "GEM", decimals = 6, maxSupply = 1_000_000 });
        await _other.PostAsync<PaymentView>("/v1/assets/GEM/mint", new { amount = 1_000, to = _owner.Address });
    }

    public async Task DisposeAsync()
    {
        _ownerKey.Dispose();
        await _server.DisposeAsync();
    }

    private string Fingerprint() => Problems.Fingerprint(_server.Node, ["transfers", "balances", "withdrawals", "deposit_references", "deposits", "anchors"],
        "SELECT id || ':' || status || ':' || amount FROM withdrawals ORDER BY id");

    private Task<JsonElement> ExpectProblemAsync(HttpStatusCode status, Func<Task<HttpResponseMessage>> send) =>
        Problems.ExpectAsync(status, send, Fingerprint);

    private Task<HttpResponseMessage> PostAsync(EarnestClient client, string path, string json) =>
        client.Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private string Body(string to = "{me}", string amount = "1000", string asset = "EARN", string id = "w-1") =>
        $$"""{"asset": "{{asset}}", "amount": {{amount}}, "to": "{{to.Replace("{me}", _owner.Address, StringComparison.Ordinal)}}", "id": "{{id}}"}""";

    private static string Field(JsonElement problem, string field) =>
        string.Join(" ", problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));

    [Theory]
    [InlineData("0OIl9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9Pu", "'0' at position 0, which is not in the base58 alphabet")]
    [InlineData("abc", "A public key has 32 bytes; 'abc' decodes to 3.")]
    [InlineData("9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin9xQeWvG816bUx9", "at most 45 characters")]
    [InlineData("", "the text is empty")]
    public async Task a_destination_that_is_not_a_32_byte_base58_address_is_422_naming_the_problem(string to, string reason)
    {
        var problem = await ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, () => PostAsync(_owner, "/v1/withdrawals", Body(to)));
        Assert.Contains(reason, Field(problem, "to"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_destination_off_the_curve_is_422_because_no_wallet_signs_for_it()
    {
        var pda = AssociatedTokenProgram.Address(PublicKey.Parse(_owner.Address!), _mint); // a program-derived address
        var problem = await ExpectProblemAsync(HttpStatusCode.UnprocessableEntity,
            () => PostAsync(_owner, "/v1/withdrawals", Body(pda.ToString())));
        Assert.StartsWith($"{pda} is not on the Ed25519 curve", Field(problem, "to"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", "amount", "The amount is a positive number of base units, not 0.")]
    [InlineData("-5", "amount", "The amount is a positive number of base units, not -5.")]
    public async Task a_zero_or_negative_amount_is_422(string amount, string field, string message)
    {
        var problem = await ExpectProblemAsync(HttpStatusCode.UnprocessableEntity,
            () => PostAsync(_owner, "/v1/withdrawals", Body(amount: amount)));
        Assert.Equal(message, Field(problem, field));
    }

    [Theory]
    [InlineData("NOPE", "No asset NOPE on this network.")]
    [InlineData("GEM", "GEM has no Solana mint configured on this network: it cannot be withdrawn.")]
    public async Task an_unknown_asset_or_one_without_a_mint_is_422(string asset, string message)
    {
        var problem = await ExpectProblemAsync(HttpStatusCode.UnprocessableEntity,
            () => PostAsync(_owner, "/v1/withdrawals", Body(asset: asset)));
        Assert.Equal(message, Field(problem, "asset"));
    }

    [Theory]
    [InlineData("""{"asset": "EARN", "amount": 1000, "to": "{me}"}""", "The id is required: a retry with the same id never pays twice.")]
    [InlineData("""{"asset": "EARN", "amount": 1000, "to": "{me}", "id": "no spaces"}""", "A withdrawal id is 1 to 119 characters of A-Z a-z 0-9 : _ . -")]
    public async Task a_missing_or_malformed_id_is_422(string json, string message)
    {
        var problem = await ExpectProblemAsync(HttpStatusCode.UnprocessableEntity,
            () => PostAsync(_owner, "/v1/withdrawals", json.Replace("{me}", _owner.Address, StringComparison.Ordinal)));
        Assert.Equal(message, Field(problem, "id"));
    }

    [Theory]
    [InlineData("""{"asset": "EARN", "amount": "1000", "to": "x", "id": "w"}""")]
    [InlineData("""{"asset": "EARN", "amount": 1000, "to": "x", "id": "w", "memo": "hi"}""")]
    [InlineData("""{"asset": "EARN", "amount": 99999999999999999999, "to": "x", "id": "w"}""")]
    [InlineData("""{"asset": "EARN",""")]
    public async Task malformed_bodies_are_400(string json) =>
        await ExpectProblemAsync(HttpStatusCode.BadRequest, () => PostAsync(_owner, "/v1/withdrawals", json));

    [Fact]
    public async Task a_withdrawal_above_the_balance_is_409_naming_both()
    {
        var problem = await ExpectProblemAsync(HttpStatusCode.Conflict,
            () => PostAsync(_owner, "/v1/withdrawals", Body(amount: "50001", id: "too-much")));
        Assert.Equal("The withdrawal is 50001 EARN base units but the balance is 50000.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task without_signing_in_it_is_401() =>
        await ExpectProblemAsync(HttpStatusCode.Unauthorized,
            () => new EarnestClient(_server.NewHttp()).Http.PostAsync("/v1/withdrawals",
                new StringContent(Body(), Encoding.UTF8, "application/json")));

    [Fact]
    public async Task a_withdrawal_is_accepted_and_a_retry_answers_the_original_while_other_fields_under_its_id_are_409()
    {
        var before = _server.Node.Funds.Balance(_owner.Address!, "EARN");
        using var accepted = await PostAsync(_owner, "/v1/withdrawals", Body(amount: "1234", id: "once"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("/v1/withdrawals/once", accepted.Headers.Location?.OriginalString);
        var view = JsonSerializer.Deserialize<WithdrawalView>(await accepted.Content.ReadAsStringAsync(), EarnestClient.Json)!;
        Assert.Equal(("once", "EARN", 1234L, _owner.Address, WithdrawalStatus.Pending, "posted", "withdraw:once"),
            (view.Id, view.Asset, view.Amount, view.To, view.Status, view.Result, view.TransferId));
        Assert.Equal(before - 1234, _server.Node.Funds.Balance(_owner.Address!, "EARN"));
        Assert.Equal(1234, _server.Node.Funds.Balance(SystemAccounts.Settlement("EARN"), "EARN"));
        var receipt = await _owner.ReceiptAsync("withdraw:once");
        Assert.Null(receipt.Verify(_server.Node.Key.Signer, requireProof: true));

        var fingerprint = Fingerprint();
        var retry = await _owner.WithdrawAsync("EARN", 1234, _owner.Address!, "once");
        Assert.Equal((PaymentView.Exists, view.CreatedAt), (retry.Result, retry.CreatedAt));
        Assert.Equal(fingerprint, Fingerprint());

        var problem = await ExpectProblemAsync(HttpStatusCode.Conflict,
            () => PostAsync(_owner, "/v1/withdrawals", Body(amount: "1235", id: "once")));
        Assert.StartsWith("Withdrawal once exists with other fields (1234 EARN to ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        problem = await ExpectProblemAsync(HttpStatusCode.Conflict,
            () => PostAsync(_other, "/v1/withdrawals", Body(to: _other.Address!, amount: "1234", id: "once")));
        Assert.Equal("The id once is taken by another withdrawal.", problem.GetProperty("detail").GetString());

        Assert.Equal("once", (await _owner.WithdrawalAsync("once")).Id);
        var list = await _owner.GetAsync<List<WithdrawalView>>("/v1/withdrawals");
        Assert.Equal(["once"], list.Select(w => w.Id));
        await ExpectProblemAsync(HttpStatusCode.NotFound, () => _other.Http.GetAsync("/v1/withdrawals/once"));
        await ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, () => _owner.Http.GetAsync("/v1/withdrawals?limit=0"));
    }

    [Fact]
    public async Task a_deposit_address_names_the_network_token_account_and_bad_assets_are_422()
    {
        var address = await _owner.DepositAddressAsync("EARN");
        var hot = _server.Node.Settlement!.HotWallet;
        Assert.Equal((hot.ToString(), AssociatedTokenProgram.Address(hot, _mint).ToString(), _mint.ToString(), 6),
            (address.Recipient, address.TokenAccount, address.Mint, address.Decimals));
        Assert.Equal(32, PublicKey.Parse(address.Reference).Bytes.Length);
        Assert.NotEqual(address.Reference, (await _owner.DepositAddressAsync("EARN")).Reference); // fresh each time
        var listed = await _owner.GetAsync<List<DepositAddressView>>("/v1/deposits");
        Assert.Equal(2, listed.Count);
        Assert.All(listed, d => Assert.Empty(d.Credits));

        var problem = await ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, () => PostAsync(_owner, "/v1/deposits", """{"asset": "GEM"}"""));
        Assert.Equal("GEM has no Solana mint configured on this network: it cannot be deposited.", Field(problem, "asset"));
        problem = await ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, () => PostAsync(_owner, "/v1/deposits", "{}"));
        Assert.Equal("The asset is required.", Field(problem, "asset"));
        await ExpectProblemAsync(HttpStatusCode.BadRequest, () => PostAsync(_owner, "/v1/deposits", """{"asset": "EARN", "amount": 5}"""));
    }

    [Fact]
    public async Task the_openapi_document_lists_the_settlement_endpoints()
    {
        var document = JsonDocument.Parse(await _owner.Http.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.All(["/v1/withdrawals", "/v1/withdrawals/{id}", "/v1/deposits", "/v1/ledger/anchors"], p => Assert.Contains(p, paths));
    }

    [Fact]
    public async Task engine_ids_cannot_be_chosen_by_a_client()
    {
        foreach (var id in new[] { "deposit:x", "settle:once", "return:once", "withdraw:w", "payout:sub_1" })
        {
            var problem = await ExpectProblemAsync(HttpStatusCode.UnprocessableEntity,
                () => PostAsync(_owner, "/v1/faucet", $$"""{"amount": 5, "id": "{{id}}"}"""));
            Assert.StartsWith("Ids starting with payout:, fund:, refund:, withdraw:, settle:, return:, deposit: are the engine's own",
                Field(problem, "id"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task earnest_withdraw_signs_in_with_a_key_file_and_withdraws_once_per_id()
    {
        var folder = TempFolder.Create();
        try
        {
            var keyFile = Path.Combine(folder, "wallet.key");
            KeyFile.Write(keyFile, _ownerKey.ExportSecret());
            string[] args = ["withdraw", "--url", _server.Url, "--key", keyFile, "--amount", "700", "--id", "from-cli"];
            Assert.Equal(0, await Earnest.Cli.Commands.RunAsync(args));
            var row = _server.Node.Withdrawals.Get(_owner.Address!, "from-cli").AssertOk();
            Assert.Equal((700L, _owner.Address, WithdrawalStatus.Pending), (row.Amount, row.To, row.Status));
            var fingerprint = Fingerprint();
            Assert.Equal(0, await Earnest.Cli.Commands.RunAsync(args)); // the same id again: the original, nothing moves
            Assert.Equal(fingerprint, Fingerprint());
            Assert.Equal(Earnest.Cli.Commands.UsageError, await Earnest.Cli.Commands.RunAsync(
                ["withdraw", "--url", _server.Url, "--key", keyFile, "--amount", "99999999", "--id", "too-much-cli"]));
            Assert.Equal(fingerprint, Fingerprint());
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using Earnest.Audit;
using Earnest.Client;
using Earnest.Ledger;
using Earnest.Market;
using Earnest.Tests.Support;
using Xunit;

namespace Earnest.Tests.Ledger;

/// <summary>
/// Requesters' own assets over HTTP (issue, mint within the cap, fund a campaign, earn it), and the chain's endpoints:
/// the head, a block's transfer ids, receipts whose proofs verify. Bad input is a problem and changes nothing.
/// </summary>
public sealed class AssetAndChainTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private EarnestClient _issuer = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _issuer = await _server.SignedInAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Fingerprint() => _server.Node.Database.Read(c => string.Join("|",
        c.Query<string>("SELECT symbol || ':' || COALESCE(max_supply, -1) FROM assets ORDER BY symbol")
            .Concat(c.Query<string>("SELECT account || ':' || asset || '=' || amount FROM balances ORDER BY account, asset"))
            .Append($"transfers={c.ExecuteScalar<long>("SELECT COUNT(*) FROM transfers")}")
            .Append($"blocks={c.ExecuteScalar<long>("SELECT COUNT(*) FROM blocks")}")));

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(EarnestClient client, string path, string json)
    {
        using var response = await client.Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<JsonElement> RefusedAsync(EarnestClient client, HttpStatusCode status, string path, string json)
    {
        var before = Fingerprint();
        var (actual, body) = await SendAsync(client, path, json);
        Assert.True(status == actual, $"expected {(int)status}, got {(int)actual}: {body}");
        Assert.StartsWith("urn:earnest:problem:", body.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint());
        return body;
    }

    [Fact]
    public async Task an_issuer_mints_within_the_cap_funds_a_campaign_and_contributors_earn_the_asset()
    {
        var (created, asset) = await SendAsync(_issuer, "/v1/assets", """{"symbol":"GEM","decimals":2,"maxSupply":100000}""");
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal((0L, 100_000L), (asset.GetProperty("supply").GetInt64(), asset.GetProperty("maxSupply").GetInt64()));

        var minted = await _issuer.PostAsync<PaymentView>("/v1/assets/GEM/mint", new { amount = 60_000, id = "gem-a" });
        Assert.Equal(("gem-a", 60_000L, "GEM"), (minted.TransferId, minted.Amount, minted.Asset));
        Assert.Null(minted.Receipt.Verify(_server.Node.Key.Signer, requireProof: true));
        var again = await _issuer.PostAsync<PaymentView>("/v1/assets/GEM/mint", new { amount = 60_000, id = "gem-a" });
        Assert.Equal(minted.Receipt, again.Receipt); // a retry answers the original, and mints nothing
        Assert.Equal((PaymentView.Posted, PaymentView.Exists), (minted.Result, again.Result));
        var over = await RefusedAsync(_issuer, HttpStatusCode.Conflict, "/v1/assets/GEM/mint", """{"amount":40001}""");
        Assert.Contains("maximum supply", over.GetProperty("detail").GetString());
        var stranger = await _server.SignedInAsync();
        await RefusedAsync(stranger, HttpStatusCode.Forbidden, "/v1/assets/GEM/mint", """{"amount":1}""");
        await RefusedAsync(_issuer, HttpStatusCode.NotFound, "/v1/assets/NOPE/mint", """{"amount":1}""");
        await RefusedAsync(stranger, HttpStatusCode.Conflict, "/v1/assets", """{"symbol":"GEM","decimals":0,"maxSupply":5}""");
        var assets = await _issuer.GetAsync<List<AssetView>>("/v1/assets");
        Assert.Equal(60_000, assets.Single(a => a.Symbol == "GEM").Supply);

        var campaign = await _issuer.CreateCampaignAsync(new CreateCampaign("Gems", "", "classification", ["a", "b"], 500,
            5_000, 1, "GEM"));
        await _issuer.AddTasksAsync(campaign.Id, [new { id = "t1", data = new { } }, new { id = "t2", data = new { } }]);
        await _issuer.PublishAsync(campaign.Id);
        var contributor = await _server.SignedInAsync();
        await contributor.FaucetAsync(7); // it holds EARN too
        var lease = await contributor.LeaseAsync(campaign.Id);
        var paid = await contributor.SubmitAsync(lease!.Id, "a");
        Assert.Equal(("GEM", 500L), (paid.Payment!.Asset, paid.Payment.Amount));
        Assert.Null(paid.Payment.Receipt.Verify(_server.Node.Key.Signer, requireProof: true));
        var balances = (await contributor.AccountAsync()).Balances.ToDictionary(b => b.Asset, b => b.Amount);
        Assert.Equal((7L, 500L), (balances["EARN"], balances["GEM"]));
        Assert.All(_server.Node.Database.Read(Postings.Sums).Values, sum => Assert.Equal(0, sum));
        Assert.True(Auditor.Run(_server.Node.Options.DataFolder).Passed);
    }

    [Theory]
    [InlineData("""{"symbol":"g","decimals":2,"maxSupply":10}""", "symbol")]
    [InlineData("""{"symbol":"TOOLONGSYMBOL1","decimals":2,"maxSupply":10}""", "symbol")]
    [InlineData("""{"symbol":"GEM","decimals":19,"maxSupply":10}""", "decimals")]
    [InlineData("""{"symbol":"GEM","decimals":-1,"maxSupply":10}""", "decimals")]
    [InlineData("""{"symbol":"GEM","decimals":2,"maxSupply":0}""", "maxSupply")]
    [InlineData("""{"symbol":"GEM","decimals":2}""", "maxSupply")]
    public async Task a_bad_asset_is_refused_naming_the_field(string json, string field)
    {
        var problem = await RefusedAsync(_issuer, HttpStatusCode.UnprocessableEntity, "/v1/assets", json);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("""{"amount":0}""", "amount")]
    [InlineData("""{"amount":-5}""", "amount")]
    [InlineData("""{"amount":5,"to":"not-a-wallet"}""", "to")]
    [InlineData("""{"amount":5,"id":"bad id"}""", "id")]
    public async Task a_bad_mint_is_refused_naming_the_field(string json, string field)
    {
        await SendAsync(_issuer, "/v1/assets", """{"symbol":"ORE","decimals":0,"maxSupply":10}""");
        var problem = await RefusedAsync(_issuer, HttpStatusCode.UnprocessableEntity, "/v1/assets/ORE/mint", json);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task concurrent_payments_share_blocks_that_chain_and_every_receipt_proves_its_transfer()
    {
        var client = await _server.SignedInAsync();
        var ids = Enumerable.Range(0, 40).Select(i => $"chain-{i}").ToList();
        var paid = await Task.WhenAll(ids.Select(id => client.PostAsync<PaymentView>("/v1/faucet", new { amount = 10, id })));
        var signer = _server.Node.Key.Signer;
        foreach (var payment in paid)
        {
            var receipt = await client.GetAsync<Receipt>($"/v1/receipts/{payment.TransferId}");
            Assert.Null(receipt.Verify(signer, requireProof: true));
            Assert.Equal(payment.Receipt, receipt);
        }
        // Group commit: forty concurrent payments share blocks.
        Assert.Contains(paid, p => p.Receipt.Proof!.Size > 1);
        var head = await client.GetAsync<BlockView>("/v1/ledger/head");
        var seen = new List<string>();
        var previous = new string('0', 64);
        for (var h = 1; h <= head.Height; h++)
        {
            var block = await client.GetAsync<BlockDetailView>($"/v1/ledger/blocks/{h}");
            Assert.Equal(previous, block.Block.PreviousHash);
            Assert.Equal(block.Block.Count, block.TransferIds.Count);
            var header = BlockHeader.TryDecode(Convert.FromBase64String(block.Block.Header))!;
            Assert.True(Earnest.Identity.Ed25519.Verify(Earnest.Identity.Base58Text.TryDecode(signer, 100)!,
                Convert.FromBase64String(block.Block.Header), Earnest.Identity.Base58Text.TryDecode(block.Block.Signature, 100)!));
            Assert.Equal(block.Block.Hash, Convert.ToHexStringLower(header.Hash()));
            previous = block.Block.Hash;
            seen.AddRange(block.TransferIds);
        }
        Assert.Equal(head.Hash, previous);
        Assert.Superset(ids.ToHashSet(), seen.ToHashSet());
        Assert.Equal(seen.Count, seen.Distinct().Count());

        // A receipt whose proof is bent, or whose size disagrees with the signed header, does not verify.
        var sample = paid.Select(p => p.Receipt).First(r => r.Proof!.Size > 1);
        var bent = sample with { Proof = sample.Proof! with { Index = (sample.Proof.Index + 1) % sample.Proof.Size } };
        Assert.Contains("Merkle path", bent.Verify(signer));
        var resized = sample with { Proof = sample.Proof! with { Size = sample.Proof.Size + 1 } };
        Assert.Contains("has " + sample.Proof.Size, resized.Verify(signer));

        using var missing = await client.Http.GetAsync("/v1/ledger/blocks/999999");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var other = await _server.SignedInAsync();
        using var notYours = await other.Http.GetAsync($"/v1/receipts/{paid[0].TransferId}");
        Assert.Equal(HttpStatusCode.NotFound, notYours.StatusCode);
    }
}

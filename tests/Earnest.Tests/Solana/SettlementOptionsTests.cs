using Earnest.Settlement;
using Earnest.Solana.Rpc;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Earnest.Tests.Solana;

/// <summary>The settlement settings bind from <c>EARNEST_Settlement__…</c> variables, and wrong ones are named.</summary>
public sealed class SettlementOptionsTests
{
    private const string Mint = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";

    [Fact]
    public void settings_bind_from_environment_variables_with_double_underscores()
    {
        // A prefix of this test's own keeps other tests' environment out of it (the variables are the process's).
        var prefix = $"EARNEST_TEST_{Guid.NewGuid():N}_";
        var variables = new Dictionary<string, string>
        {
            ["Settlement__RpcUrl"] = "https://api.devnet.solana.com",
            ["Settlement__Mints__EARN"] = Mint,
            ["Settlement__HotKeyFile"] = "/var/lib/earnest/hot.key",
            ["Settlement__Commitment"] = "confirmed",
            ["Settlement__AnchorEveryBlocks"] = "50",
            ["Settlement__Interval"] = "00:00:30",
            ["Settlement__BatchLimit"] = "12",
            ["Settlement__MaxTransactionsPerRun"] = "4",
            ["Settlement__SkipPreflight"] = "true",
        };
        try
        {
            foreach (var (name, value) in variables)
            {
                Environment.SetEnvironmentVariable(prefix + name, value);
            }
            var options = new EarnestOptions();
            new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build().Bind(options);
            var s = options.Settlement;
            Assert.Equal(("https://api.devnet.solana.com", Mint, "/var/lib/earnest/hot.key", Commitment.Confirmed),
                (s.RpcUrl, s.Mints["EARN"], s.HotKeyFile, s.Commitment));
            Assert.Equal((50, TimeSpan.FromSeconds(30), 12, 4, true),
                (s.AnchorEveryBlocks, s.Interval, s.BatchLimit, s.MaxTransactionsPerRun, s.SkipPreflight));
            Assert.True(s.Enabled);
            Assert.Empty(s.Problems());
        }
        finally
        {
            foreach (var name in variables.Keys)
            {
                Environment.SetEnvironmentVariable(prefix + name, null);
            }
        }
    }

    [Fact]
    public void wrong_settings_are_each_named()
    {
        var options = new SettlementOptions
        {
            Mints = { ["EARN"] = "not-a-mint0" },
            AnchorEveryBlocks = -1,
            Interval = TimeSpan.Zero,
            BatchLimit = 0,
            MaxTransactionsPerRun = 0,
        };
        Assert.Equal(
        [
            "Settlement:RpcUrl is required when Settlement:Mints names a mint: withdrawals would never be sent.",
            "Settlement:Mints:EARN: A public key is base58 text; 'not-a-mint0' has '-' at position 3, which is not in the base58 alphabet.",
            "Settlement:AnchorEveryBlocks is -1; it is a number of blocks, or 0 for no anchors.",
            "Settlement:Interval is 00:00:00; it must be positive.",
            "Settlement:BatchLimit is 0; it is 1 to 32 withdrawals per transaction.",
            "Settlement:MaxTransactionsPerRun is 0; at least one transaction per run.",
        ], options.Problems());
        Assert.Equal(["Settlement:RpcUrl must be an http or https URL, not 'ftp://x'."],
            new SettlementOptions { RpcUrl = "ftp://x" }.Problems());
        Assert.Null(SettlementAccounts.Open(new EarnestOptions())); // off by default
        var refused = Assert.Throws<InvalidOperationException>(() => SettlementAccounts.Open(new EarnestOptions
        {
            Settlement = new SettlementOptions { Mints = { ["EARN"] = Mint } },
        }));
        Assert.StartsWith("Settlement:RpcUrl is required", refused.Message, StringComparison.Ordinal);
    }
}

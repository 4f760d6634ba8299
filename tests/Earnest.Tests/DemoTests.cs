using Earnest.Cli.Demo;
using Xunit;

namespace Earnest.Tests;

public sealed class DemoTests
{
    [Fact]
    public async Task demo_market_conserves_money_and_pays_careful_contributors_more_than_spammers()
    {
        var settings = new DemoSettings { Contributors = 30, Tasks = 60, Seed = 42, Concurrency = 8 };

        var report = await Simulation.RunAsync(settings);

        Assert.All(report.Checks, c => Assert.True(c.Passed, $"{c.Name}: {c.Detail}"));
        Assert.True(report.Ok);

        // Conservation, exactly: everyone's balances are what the faucet minted, and nothing stays in escrow.
        var money = report.Money;
        Assert.Equal(settings.Budget, money.Minted);
        Assert.Equal(money.Minted, money.RequesterBalance + money.ContributorBalances);
        Assert.Equal(0, money.EscrowAfterClose);
        Assert.Equal(money.Budget, money.Spent + money.Refunded);
        Assert.True(money.Spent > 0 && money.Refunded > 0);

        // The whole crowd took part, and every submission was decided: accepted ones paid, the rest rejected.
        Assert.Equal(30, report.Kinds.Sum(k => k.Contributors));
        Assert.All(report.Kinds, k => Assert.Equal(k.Submissions, k.Accepted + k.Rejected));
        Assert.Equal(report.Submissions, report.Kinds.Sum(k => k.Submissions));
        Assert.Equal(money.Spent, report.Kinds.Sum(k => k.Paid));
        Assert.Equal(report.Kinds.Sum(k => k.Accepted), report.Latency.Paid);

        // Verification pays for care: spammers earn less per head than careful contributors, and less often.
        var careful = report.Of(ContributorKind.Careful);
        var spammer = report.Of(ContributorKind.Spammer);
        Assert.True(spammer.Contributors > 0 && spammer.Submissions > 0);
        Assert.True(spammer.PaidPerContributor < careful.PaidPerContributor,
            $"spammers earned {spammer.PaidPerContributor} per head, careful contributors {careful.PaidPerContributor}");
        Assert.True((double)spammer.Accepted / spammer.Submissions < (double)careful.Accepted / careful.Submissions);

        // Majority vote over a mostly careful crowd recovers the truth of the tasks without gold (54 of 60). With 3
        // labels and overlap 3 the expected accuracy is about 0.9; 0.75 leaves room for how the server interleaves work.
        Assert.Equal(54, report.Accuracy.Tasks);
        Assert.True(report.Accuracy.Share >= 0.75, $"accuracy {report.Accuracy.Share:P1}");
    }
}

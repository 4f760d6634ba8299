using Earnest.Settlement;

namespace Earnest;

/// <summary>Settings of an Earnest node, bound from configuration and the command line.</summary>
public sealed class EarnestOptions
{
    /// <summary>Folder holding the network key, and the embedded database unless <see cref="Database"/> is set.</summary>
    public string DataFolder { get; set; } = ".data";

    /// <summary>
    /// A PostgreSQL connection string ("Host=…;Database=…"): several servers can share one such database. Empty: the
    /// embedded SQLite database in the data folder.
    /// </summary>
    public string Database { get; set; } = "";

    /// <summary>The domain named in sign-in messages.</summary>
    public string Domain { get; set; } = "localhost";

    /// <summary>A dev network mints test tokens through the faucet; production does not.</summary>
    public bool DevNetwork { get; set; } = true;

    /// <summary>Symbol of the network's default asset.</summary>
    public string DefaultAsset { get; set; } = "EARN";

    /// <summary>Decimals of the default asset.</summary>
    public int DefaultAssetDecimals { get; set; } = 6;

    /// <summary>How long a contributor holds a task before it returns to the pool.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a sign-in challenge can be answered.</summary>
    public TimeSpan ChallengeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a session token lasts.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Whole units of the default asset the faucet gives at most per call.</summary>
    public long FaucetMaxWholeUnits { get; set; } = 1_000;

    /// <summary>Tasks accepted in one request.</summary>
    public int MaxTasksPerRequest { get; set; } = 10_000;

    /// <summary>Live leases one contributor may hold at once.</summary>
    public int MaxActiveAssignmentsPerContributor { get; set; } = 20;

    /// <summary>Settlement on Solana: withdrawals, deposits and anchors (off unless an RPC URL or a mint is set).</summary>
    public SettlementOptions Settlement { get; set; } = new();
}

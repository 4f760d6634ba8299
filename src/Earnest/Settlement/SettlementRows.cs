namespace Earnest.Settlement;

/// <summary>The states of a withdrawal.</summary>
public static class WithdrawalStatus
{
    /// <summary>On the ledger (in the settlement account), in no transaction: the next run puts it in one.</summary>
    public const string Pending = "pending";

    /// <summary>In a transaction recorded before it was sent; waiting for it to land or to expire.</summary>
    public const string Sent = "sent";

    /// <summary>Its transaction landed and succeeded at the configured commitment: the tokens are on chain.</summary>
    public const string Final = "final";

    /// <summary>Its transaction landed with an error, or it could never be paid: the amount went back to its owner.</summary>
    public const string Returned = "returned";
}

/// <summary>The states of an anchor.</summary>
public static class AnchorStatus
{
    /// <summary>Recorded, in no transaction.</summary>
    public const string Pending = "pending";

    /// <summary>In a transaction recorded before it was sent.</summary>
    public const string Sent = "sent";

    /// <summary>Its memo is on chain at the configured commitment.</summary>
    public const string Final = "final";

    /// <summary>Its transaction landed with an error: nothing was written; the next anchor is due as usual.</summary>
    public const string Failed = "failed";
}

/// <summary>A withdrawal as stored.</summary>
internal sealed class WithdrawalRow
{
    public string Id { get; set; } = "";
    public string Owner { get; set; } = "";
    public string Asset { get; set; } = "";
    public long Amount { get; set; }
    public string Destination { get; set; } = "";
    public string Status { get; set; } = "";
    public string? Signature { get; set; }
    public long? LastValidHeight { get; set; }
    public long Attempts { get; set; }
    public string? LastError { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
}

/// <summary>A deposit reference as stored.</summary>
internal sealed class DepositReferenceRow
{
    public string Reference { get; set; } = "";
    public string Owner { get; set; } = "";
    public string Asset { get; set; } = "";
    public long CreatedAt { get; set; }
}

/// <summary>A credited deposit as stored.</summary>
internal sealed class DepositRow
{
    public string Signature { get; set; } = "";
    public string Reference { get; set; } = "";
    public string Owner { get; set; } = "";
    public string Asset { get; set; } = "";
    public long Amount { get; set; }
    public long Slot { get; set; }
    public long CreditedAt { get; set; }
}

/// <summary>An anchor as stored.</summary>
internal sealed class AnchorRow
{
    public long Height { get; set; }
    public byte[] Hash { get; set; } = [];
    public string Status { get; set; } = "";
    public string? Signature { get; set; }
    public long? LastValidHeight { get; set; }
    public long? Slot { get; set; }
    public long Attempts { get; set; }
    public string? LastError { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
}

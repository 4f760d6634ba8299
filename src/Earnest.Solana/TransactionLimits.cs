namespace Earnest.Solana;

/// <summary>The limits a transaction is built within; the same numbers @solana/kit checks when it compiles.</summary>
public static class TransactionLimits
{
    /// <summary>The most bytes a serialized transaction may have: one network packet (1280-byte IPv6 MTU − 48).</summary>
    public const int PacketSize = 1232;

    /// <summary>The most distinct accounts a message may load (its own and those from lookup tables).</summary>
    public const int MaxAccounts = 64;

    /// <summary>The most keys that may sign one transaction.</summary>
    public const int MaxSigners = 12;

    /// <summary>The most instructions in one message.</summary>
    public const int MaxInstructions = 64;

    /// <summary>The most accounts one instruction may list (its indices are counted in a byte).</summary>
    public const int MaxAccountsPerInstruction = 255;
}

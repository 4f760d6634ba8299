namespace Earnest.Solana;

/// <summary>
/// An account an instruction reads or writes, and whether its key must sign. An account may instead be loaded from
/// an address lookup table (<see cref="LookupTable"/>, version 0 messages only); such an account cannot sign.
/// </summary>
public sealed record AccountMeta
{
    /// <summary>An account named in the message itself.</summary>
    public AccountMeta(PublicKey address, bool isSigner, bool isWritable)
    {
        ArgumentNullException.ThrowIfNull(address);
        Address = address;
        IsSigner = isSigner;
        IsWritable = isWritable;
    }

    /// <summary>The account's address.</summary>
    public PublicKey Address { get; }

    /// <summary>True when the account's key must sign the transaction.</summary>
    public bool IsSigner { get; }

    /// <summary>True when the instruction may change the account.</summary>
    public bool IsWritable { get; }

    /// <summary>Where the account is found in an address lookup table, or null when the message names it.</summary>
    public LookupTableSlot? LookupTable { get; private init; }

    /// <summary>A writable account that must sign.</summary>
    public static AccountMeta WritableSigner(PublicKey address) => new(address, isSigner: true, isWritable: true);

    /// <summary>A read-only account that must sign.</summary>
    public static AccountMeta ReadonlySigner(PublicKey address) => new(address, isSigner: true, isWritable: false);

    /// <summary>A writable account that does not sign.</summary>
    public static AccountMeta Writable(PublicKey address) => new(address, isSigner: false, isWritable: true);

    /// <summary>A read-only account that does not sign.</summary>
    public static AccountMeta Readonly(PublicKey address) => new(address, isSigner: false, isWritable: false);

    /// <summary>
    /// An account loaded from slot <paramref name="index"/> of the lookup table at <paramref name="table"/>, which
    /// must hold <paramref name="address"/> there (the network checks it; the message carries only table and index).
    /// </summary>
    public static AccountMeta FromLookupTable(PublicKey address, PublicKey table, byte index, bool isWritable)
    {
        ArgumentNullException.ThrowIfNull(table);
        return new AccountMeta(address, isSigner: false, isWritable) { LookupTable = new LookupTableSlot(table, index) };
    }
}

/// <summary>A slot of an address lookup table: the table's address and the index within it.</summary>
/// <param name="Table">The lookup table account.</param>
/// <param name="Index">The position of the address in the table.</param>
public sealed record LookupTableSlot(PublicKey Table, byte Index);

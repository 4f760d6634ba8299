namespace Earnest.Solana;

/// <summary>Which message format: legacy (no prefix) or version 0 (prefix 0x80, with address lookup tables).</summary>
public enum MessageVersion
{
    /// <summary>The original format, without a version byte.</summary>
    Legacy,

    /// <summary>Version 0: a 0x80 prefix and a section of address lookup tables after the instructions.</summary>
    V0,
}

/// <summary>
/// A message's first three bytes: how many of its named accounts must sign (they come first), how many of those
/// are read-only (the last of the signers), and how many of the non-signers are read-only (the last of them).
/// </summary>
/// <param name="RequiredSignatures">Signers, writable and read-only.</param>
/// <param name="ReadonlySigned">Read-only signers.</param>
/// <param name="ReadonlyUnsigned">Read-only non-signers.</param>
public readonly record struct MessageHeader(byte RequiredSignatures, byte ReadonlySigned, byte ReadonlyUnsigned);

/// <summary>An instruction as the message carries it: indices into the message's accounts instead of addresses.</summary>
/// <param name="ProgramIndex">The program's account index.</param>
/// <param name="AccountIndices">The accounts' indices, in the instruction's order.</param>
/// <param name="Data">The program's input bytes.</param>
public sealed record CompiledInstruction(byte ProgramIndex, IReadOnlyList<byte> AccountIndices, ReadOnlyMemory<byte> Data);

/// <summary>The accounts a version 0 message loads from one address lookup table.</summary>
/// <param name="Table">The lookup table's address.</param>
/// <param name="WritableIndexes">Slots loaded as writable accounts.</param>
/// <param name="ReadonlyIndexes">Slots loaded as read-only accounts.</param>
public sealed record AddressTableLookup(PublicKey Table, IReadOnlyList<byte> WritableIndexes,
    IReadOnlyList<byte> ReadonlyIndexes);

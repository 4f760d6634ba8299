namespace Earnest.Solana;

/// <summary>
/// A compiled message: what every signer signs. Its bytes are, in order: for version 0 the byte 0x80; the header
/// (3 bytes); a compact-u16 count and the 32-byte addresses the message names; the recent blockhash (32 bytes); a
/// compact-u16 count of instructions, each a program index (1 byte), a compact-u16 count of account indices (1 byte
/// each) and a compact-u16 length of data followed by the data; for version 0, a compact-u16 count of lookup tables,
/// each its address (32 bytes), then its writable and its read-only slot indices, each a compact-u16 count and bytes.
/// </summary>
public sealed class Message
{
    private Message(MessageVersion version, MessageHeader header, IReadOnlyList<PublicKey> staticAccounts,
        Blockhash recentBlockhash, IReadOnlyList<CompiledInstruction> instructions,
        IReadOnlyList<AddressTableLookup> addressTableLookups)
    {
        Version = version;
        Header = header;
        StaticAccounts = staticAccounts;
        RecentBlockhash = recentBlockhash;
        Instructions = instructions;
        AddressTableLookups = addressTableLookups;
    }

    /// <summary>The format.</summary>
    public MessageVersion Version { get; }

    /// <summary>The signer and read-only counts.</summary>
    public MessageHeader Header { get; }

    /// <summary>The accounts the message names, fee payer first, in the order the header describes.</summary>
    public IReadOnlyList<PublicKey> StaticAccounts { get; }

    /// <summary>The blockhash that bounds the message's lifetime.</summary>
    public Blockhash RecentBlockhash { get; }

    /// <summary>The instructions, with account indices.</summary>
    public IReadOnlyList<CompiledInstruction> Instructions { get; }

    /// <summary>The lookup tables a version 0 message loads accounts from (empty for legacy).</summary>
    public IReadOnlyList<AddressTableLookup> AddressTableLookups { get; }

    /// <summary>The keys that must sign, in signature order: the first <see cref="MessageHeader.RequiredSignatures"/> accounts.</summary>
    public IReadOnlyList<PublicKey> Signers => StaticAccounts.Take(Header.RequiredSignatures).ToList();

    /// <summary>
    /// Compiles instructions into a message: merges and orders their accounts (<see cref="AccountTable"/>), replaces
    /// addresses by indices, and checks the limits of <see cref="TransactionLimits"/>.
    /// </summary>
    /// <exception cref="TransactionException">A rule is broken; the message says which.</exception>
    public static Message Compile(MessageVersion version, PublicKey feePayer, Blockhash recentBlockhash,
        IEnumerable<Instruction> instructions)
    {
        ArgumentNullException.ThrowIfNull(feePayer);
        ArgumentNullException.ThrowIfNull(recentBlockhash);
        ArgumentNullException.ThrowIfNull(instructions);
        var list = instructions.ToList();
        if (list.Count > TransactionLimits.MaxInstructions)
        {
            throw new TransactionException(
                $"The message has {list.Count} instructions; at most {TransactionLimits.MaxInstructions} are allowed.");
        }
        for (var i = 0; i < list.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(list[i], nameof(instructions));
            var count = list[i].Accounts.Count;
            if (count > TransactionLimits.MaxAccountsPerInstruction)
            {
                throw new TransactionException(
                    $"Instruction {i} lists {count} accounts; at most {TransactionLimits.MaxAccountsPerInstruction} are allowed.");
            }
            if (version == MessageVersion.Legacy && list[i].Accounts.Any(a => a.LookupTable is not null))
            {
                throw new TransactionException(
                    $"Instruction {i} loads an account from an address lookup table; only version 0 messages can.");
            }
        }

        var table = AccountTable.Build(feePayer, list);
        if (table.Count > TransactionLimits.MaxAccounts)
        {
            throw new TransactionException(
                $"The message loads {table.Count} distinct accounts; at most {TransactionLimits.MaxAccounts} are allowed.");
        }
        if (table.SignerCount > TransactionLimits.MaxSigners)
        {
            throw new TransactionException(
                $"The message needs {table.SignerCount} signers; at most {TransactionLimits.MaxSigners} are allowed.");
        }

        var indices = table.Indices();
        var compiled = list.Select(instruction => new CompiledInstruction(
            (byte)indices[instruction.ProgramId],
            instruction.Accounts.Select(a => (byte)indices[a.Address]).ToList(),
            instruction.Data)).ToList();
        var lookups = version == MessageVersion.V0 ? table.Lookups() : [];
        return new Message(version, table.Header(), table.StaticAccounts, recentBlockhash, compiled, lookups);
    }

    /// <summary>The message's bytes: what is signed and what follows the signatures on the wire.</summary>
    public byte[] Serialize()
    {
        var writer = new ByteWriter();
        if (Version == MessageVersion.V0)
        {
            writer.Byte(0x80);
        }
        writer.Byte(Header.RequiredSignatures);
        writer.Byte(Header.ReadonlySigned);
        writer.Byte(Header.ReadonlyUnsigned);
        writer.ShortVec(StaticAccounts.Count);
        foreach (var account in StaticAccounts)
        {
            writer.Bytes(account.Bytes);
        }
        writer.Bytes(RecentBlockhash.Bytes);
        writer.ShortVec(Instructions.Count);
        foreach (var instruction in Instructions)
        {
            writer.Byte(instruction.ProgramIndex);
            writer.ShortVec(instruction.AccountIndices.Count);
            foreach (var index in instruction.AccountIndices)
            {
                writer.Byte(index);
            }
            writer.ShortVec(instruction.Data.Length);
            writer.Bytes(instruction.Data.Span);
        }
        if (Version == MessageVersion.V0)
        {
            writer.ShortVec(AddressTableLookups.Count);
            foreach (var lookup in AddressTableLookups)
            {
                writer.Bytes(lookup.Table.Bytes);
                writer.ShortVec(lookup.WritableIndexes.Count);
                foreach (var index in lookup.WritableIndexes)
                {
                    writer.Byte(index);
                }
                writer.ShortVec(lookup.ReadonlyIndexes.Count);
                foreach (var index in lookup.ReadonlyIndexes)
                {
                    writer.Byte(index);
                }
            }
        }
        return writer.ToArray();
    }
}

namespace Earnest.Solana;

/// <summary>
/// The accounts of a message, merged and ordered as @solana/kit compiles them (its <c>getAddressMapFromInstructions</c>
/// and <c>getOrderedAccountsFromAddressMap</c>, the reference the corpus test compares against):
/// <list type="number">
/// <item>the fee payer is a writable signer, first, whatever role an instruction gives it;</item>
/// <item>each program is a read-only account; an address gets one entry whose signer and writable flags are the OR
/// of every role it is given; a program may not be writable and the fee payer may not be a program;</item>
/// <item>accounts the message names come before accounts from lookup tables; each group is ordered writable signers,
/// read-only signers, writable non-signers, read-only non-signers; within a class by <see cref="AddressOrder"/>
/// (lookup-table accounts by their table's address first);</item>
/// <item>an account given both by address and from a lookup table is loaded from the table unless it must sign or
/// is a program; given from two tables, from the table whose address sorts first.</item>
/// </list>
/// </summary>
internal sealed class AccountTable
{
    private enum Kind
    {
        FeePayer = 0,
        Static = 1,
        Lookup = 2,
    }

    private sealed class Entry(Kind kind, bool signer, bool writable, LookupTableSlot? slot = null)
    {
        public Kind Kind { get; } = kind;
        public bool Signer { get; set; } = signer;
        public bool Writable { get; set; } = writable;
        public LookupTableSlot? Slot { get; } = slot;
    }

    private readonly List<(PublicKey Address, Entry Entry)> _ordered;

    private AccountTable(List<(PublicKey, Entry)> ordered) => _ordered = ordered;

    /// <summary>Merges the accounts of the fee payer and the instructions, and orders them.</summary>
    public static AccountTable Build(PublicKey feePayer, IReadOnlyList<Instruction> instructions)
    {
        var map = new Dictionary<PublicKey, Entry> { [feePayer] = new Entry(Kind.FeePayer, true, true) };
        var programs = new HashSet<PublicKey>();
        for (var i = 0; i < instructions.Count; i++)
        {
            var instruction = instructions[i];
            var program = instruction.ProgramId;
            if (map.TryGetValue(program, out var existing))
            {
                if (existing.Writable)
                {
                    throw new TransactionException(existing.Kind == Kind.FeePayer
                        ? $"Instruction {i} invokes the fee payer {program} as a program; a program cannot pay fees."
                        : $"Instruction {i} invokes {program} as a program, but another instruction gives it as a writable account; a program must not be writable.");
                }
                if (existing.Kind != Kind.Static)
                {
                    map[program] = new Entry(Kind.Static, false, false);
                }
            }
            else
            {
                map[program] = new Entry(Kind.Static, false, false);
            }
            programs.Add(program);

            foreach (var meta in instruction.Accounts)
            {
                if (!map.TryGetValue(meta.Address, out var entry))
                {
                    map[meta.Address] = meta.LookupTable is { } slot
                        ? new Entry(Kind.Lookup, false, meta.IsWritable, slot)
                        : new Entry(Kind.Static, meta.IsSigner, meta.IsWritable);
                    continue;
                }
                var signer = entry.Signer || meta.IsSigner;
                var writable = entry.Writable || meta.IsWritable;
                switch (entry.Kind)
                {
                    case Kind.FeePayer:
                        break; // already the highest role
                    case Kind.Lookup:
                        if (meta.LookupTable is { } other)
                        {
                            if (other.Table != entry.Slot!.Table && AddressOrder.Compare(other.Table, entry.Slot.Table) < 0)
                            {
                                map[meta.Address] = new Entry(Kind.Lookup, false, writable, other);
                                break;
                            }
                        }
                        else if (meta.IsSigner)
                        {
                            map[meta.Address] = new Entry(Kind.Static, signer, writable);
                            break;
                        }
                        entry.Writable = writable;
                        break;
                    case Kind.Static:
                        if (programs.Contains(meta.Address))
                        {
                            if (meta.IsWritable)
                            {
                                throw new TransactionException(
                                    $"Instruction {i} gives {meta.Address} as a writable account, but it is invoked as a program; a program must not be writable.");
                            }
                        }
                        else if (meta.LookupTable is { } slot && !entry.Signer)
                        {
                            map[meta.Address] = new Entry(Kind.Lookup, false, writable, slot);
                            break;
                        }
                        entry.Signer = signer;
                        entry.Writable = writable;
                        break;
                }
            }
        }

        var ordered = map.Select(pair => (pair.Key, pair.Value)).ToList();
        ordered.Sort(CompareEntries);
        return new AccountTable(ordered);
    }

    private static int CompareEntries((PublicKey Address, Entry Entry) left, (PublicKey Address, Entry Entry) right)
    {
        var (a, x) = left;
        var (b, y) = right;
        if (x.Kind != y.Kind)
        {
            return x.Kind.CompareTo(y.Kind);
        }
        if (x.Signer != y.Signer)
        {
            return x.Signer ? -1 : 1;
        }
        if (x.Writable != y.Writable)
        {
            return x.Writable ? -1 : 1;
        }
        if (x.Kind == Kind.Lookup && x.Slot!.Table != y.Slot!.Table)
        {
            return AddressOrder.Compare(x.Slot.Table, y.Slot.Table);
        }
        return AddressOrder.Compare(a, b);
    }

    /// <summary>Every account, in order: the fee payer, the other named accounts, then lookup-table accounts.</summary>
    public int Count => _ordered.Count;

    /// <summary>The accounts the message names (all but those from lookup tables), in order.</summary>
    public IReadOnlyList<PublicKey> StaticAccounts =>
        _ordered.TakeWhile(e => e.Entry.Kind != Kind.Lookup).Select(e => e.Address).ToList();

    /// <summary>The header's three counts, over the named accounts.</summary>
    public MessageHeader Header()
    {
        int signers = 0, readonlySigners = 0, readonlyNonSigners = 0;
        foreach (var (_, entry) in _ordered.TakeWhile(e => e.Entry.Kind != Kind.Lookup))
        {
            if (entry.Signer)
            {
                signers++;
                if (!entry.Writable)
                {
                    readonlySigners++;
                }
            }
            else if (!entry.Writable)
            {
                readonlyNonSigners++;
            }
        }
        return new MessageHeader((byte)signers, (byte)readonlySigners, (byte)readonlyNonSigners);
    }

    /// <summary>How many accounts must sign.</summary>
    public int SignerCount => _ordered.Count(e => e.Entry.Signer);

    /// <summary>Whether any account comes from a lookup table.</summary>
    public bool UsesLookupTables => _ordered.Exists(e => e.Entry.Kind == Kind.Lookup);

    /// <summary>Each address's position in the order (the index instructions refer to it by).</summary>
    public Dictionary<PublicKey, int> Indices()
    {
        var indices = new Dictionary<PublicKey, int>(_ordered.Count);
        for (var i = 0; i < _ordered.Count; i++)
        {
            indices[_ordered[i].Address] = i;
        }
        return indices;
    }

    /// <summary>
    /// The lookup-table section of a version 0 message: per table (tables by <see cref="AddressOrder"/>), the slots
    /// loaded writable and those loaded read-only, each in account order.
    /// </summary>
    public IReadOnlyList<AddressTableLookup> Lookups()
    {
        var byTable = new Dictionary<PublicKey, (List<byte> Writable, List<byte> Readonly)>();
        foreach (var (_, entry) in _ordered.Where(e => e.Entry.Kind == Kind.Lookup))
        {
            if (!byTable.TryGetValue(entry.Slot!.Table, out var lists))
            {
                lists = ([], []);
                byTable[entry.Slot.Table] = lists;
            }
            (entry.Writable ? lists.Writable : lists.Readonly).Add(entry.Slot.Index);
        }
        return byTable.Keys.Order(AddressOrder.Comparer)
            .Select(table => new AddressTableLookup(table, byTable[table].Writable, byTable[table].Readonly))
            .ToList();
    }
}

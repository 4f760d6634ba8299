using System.Buffers.Binary;
using Earnest.Solana;
using Earnest.Solana.Programs;
using Xunit;
using PublicKey = Earnest.Solana.PublicKey;

namespace Earnest.Tests.Solana;

/// <summary>
/// The wire layout read back by hand, the account ordering on a small example, the instruction layouts, and every
/// refusal with its message. (The byte-for-byte comparison with @solana/kit is <see cref="KitCorpusTests"/>.)
/// </summary>
public sealed class TransactionTests
{
    private static readonly Blockhash Hash = Blockhash.FromBytes(Enumerable.Range(100, 32).Select(i => (byte)i).ToArray());

    private static Keypair Key(byte fill) => Keypair.FromSeed(Enumerable.Repeat(fill, 32).ToArray());

    private static PublicKey Address(byte fill) => PublicKey.FromBytes(Enumerable.Repeat(fill, 32).ToArray());

    [Fact]
    public void a_legacy_sol_transfer_has_the_documented_layout_and_a_valid_signature()
    {
        using var payer = Key(1);
        var destination = Address(9);
        var message = Message.Compile(MessageVersion.Legacy, payer.PublicKey, Hash,
            [SystemProgram.Transfer(payer.PublicKey, destination, 1_000_000_007)]);
        var transaction = new Transaction(message).Sign(payer);
        var wire = transaction.Serialize();

        var at = 0;
        Assert.Equal(1, wire[at++]); // one signature
        var signature = wire.AsSpan(at, 64).ToArray();
        at += 64;
        var messageBytes = wire[at..];
        Assert.Equal(transaction.MessageBytes, messageBytes);
        Assert.True(Earnest.Identity.Ed25519.Verify(payer.PublicKey.Bytes, messageBytes, signature));
        Assert.Equal(transaction.Id!.ToArray(), signature);

        Assert.Equal(new byte[] { 1, 0, 1 }, wire[at..(at + 3)]); // 1 signer, 0 read-only signers, 1 read-only (the program)
        at += 3;
        Assert.Equal(3, wire[at++]); // three accounts: payer, destination, System program
        Assert.Equal(payer.PublicKey.ToArray(), wire[at..(at + 32)]);
        Assert.Equal(destination.ToArray(), wire[(at + 32)..(at + 64)]);
        Assert.Equal(new byte[32], wire[(at + 64)..(at + 96)]);
        at += 96;
        Assert.Equal(Enumerable.Range(100, 32).Select(i => (byte)i), wire[at..(at + 32)]);
        at += 32;
        Assert.Equal(new byte[] { 1, 2, 2, 0, 1, 12, 2, 0, 0, 0 }, wire[at..(at + 10)]); // 1 instruction: program 2, accounts [0, 1], 12 data bytes: u32 2
        at += 10;
        Assert.Equal(1_000_000_007UL, BinaryPrimitives.ReadUInt64LittleEndian(wire.AsSpan(at, 8)));
        Assert.Equal(wire.Length, at + 8);
    }

    [Fact]
    public void a_version_0_message_starts_with_0x80_and_ends_with_an_empty_lookup_section()
    {
        using var payer = Key(1);
        var legacy = Message.Compile(MessageVersion.Legacy, payer.PublicKey, Hash, [MemoProgram.Memo("hi")]).Serialize();
        var v0 = Message.Compile(MessageVersion.V0, payer.PublicKey, Hash, [MemoProgram.Memo("hi")]).Serialize();
        Assert.Equal([0x80, .. legacy, 0x00], v0);
    }

    [Fact]
    public void accounts_merge_their_roles_and_order_fee_payer_signers_writables_then_readonly()
    {
        using var payer = Key(1);
        using var signer = Key(2);
        var (a, b, c, program) = (Address(3), Address(4), Address(5), Address(6));
        var message = Message.Compile(MessageVersion.Legacy, payer.PublicKey, Hash,
        [
            new Instruction(program,
            [
                AccountMeta.Readonly(a), AccountMeta.Readonly(payer.PublicKey), AccountMeta.ReadonlySigner(signer.PublicKey),
                AccountMeta.Readonly(b), AccountMeta.Readonly(c),
            ], []),
            new Instruction(program, [AccountMeta.Writable(b), AccountMeta.Writable(signer.PublicKey), AccountMeta.Readonly(b)], []),
        ]);
        // payer (fee payer, whatever else it is given); signer (read-only signer + writable = writable signer);
        // b (read-only + writable = writable); then the read-only a, c and the program, by address.
        var order = new[] { payer.PublicKey, signer.PublicKey, b }
            .Concat(new[] { a, c, program }.Order(AddressOrder.Comparer)).ToList();
        Assert.Equal(order, message.StaticAccounts);
        Assert.Equal(new MessageHeader(2, 0, 3), message.Header);
        Assert.Equal([payer.PublicKey, signer.PublicKey], message.Signers);
        var ix = message.Instructions[1];
        Assert.Equal(order.IndexOf(program), ix.ProgramIndex);
        Assert.Equal(new[] { order.IndexOf(b), order.IndexOf(signer.PublicKey), order.IndexOf(b) }.Select(i => (byte)i), ix.AccountIndices);
    }

    [Fact]
    public void accounts_from_lookup_tables_follow_the_named_ones_and_fill_the_lookup_section()
    {
        using var payer = Key(1);
        var (x, y, z, table, program) = (Address(3), Address(4), Address(5), Address(7), Address(8));
        var message = Message.Compile(MessageVersion.V0, payer.PublicKey, Hash,
        [
            new Instruction(program,
            [
                AccountMeta.FromLookupTable(x, table, 9, isWritable: false),
                AccountMeta.FromLookupTable(y, table, 4, isWritable: true),
                AccountMeta.FromLookupTable(z, table, 2, isWritable: false),
                AccountMeta.WritableSigner(z), // a signer cannot come from a table: z is named instead
            ], []),
        ]);
        Assert.Equal([payer.PublicKey, z, program], message.StaticAccounts);
        var lookup = Assert.Single(message.AddressTableLookups);
        Assert.Equal(table, lookup.Table);
        Assert.Equal(new byte[] { 4 }, lookup.WritableIndexes);
        Assert.Equal(new byte[] { 9 }, lookup.ReadonlyIndexes);
        // Indices: named accounts 0–2, then writable y (3), then read-only x (4).
        Assert.Equal(new byte[] { 4, 3, 1, 1 }, message.Instructions[0].AccountIndices);

        var legacy = Assert.Throws<TransactionException>(() => Message.Compile(MessageVersion.Legacy, payer.PublicKey, Hash,
            [new Instruction(program, [AccountMeta.FromLookupTable(x, table, 0, false)], [])]));
        Assert.Contains("only version 0 messages can", legacy.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void the_instruction_layouts_are_the_programs_own()
    {
        var (source, mint, destination, authority, member) = (Address(1), Address(2), Address(3), Address(4), Address(5));
        var transfer = TokenProgram.TransferChecked(source, mint, destination, authority, 0x0102030405060708, 6);
        Assert.Equal(TokenProgram.Id, transfer.ProgramId);
        Assert.Equal(new byte[] { 12, 8, 7, 6, 5, 4, 3, 2, 1, 6 }, transfer.Data.ToArray());
        Assert.Equal(
            [AccountMeta.Writable(source), AccountMeta.Readonly(mint), AccountMeta.Writable(destination), AccountMeta.ReadonlySigner(authority)],
            transfer.Accounts);
        var multisig = TokenProgram.TransferChecked(source, mint, destination, authority, 1, 0, [member]);
        Assert.Equal([AccountMeta.Readonly(authority), AccountMeta.ReadonlySigner(member)], multisig.Accounts.Skip(3));

        var create = AssociatedTokenProgram.CreateIdempotent(authority, mint, destination);
        Assert.Equal(AssociatedTokenProgram.Id, create.ProgramId);
        Assert.Equal(new byte[] { 1 }, create.Data.ToArray());
        Assert.Equal(
        [
            AccountMeta.WritableSigner(authority), AccountMeta.Writable(AssociatedTokenProgram.Address(mint, destination)),
            AccountMeta.Readonly(mint), AccountMeta.Readonly(destination), AccountMeta.Readonly(SystemProgram.Id),
            AccountMeta.Readonly(TokenProgram.Id),
        ], create.Accounts);

        var memo = MemoProgram.Memo("ñ ✓", member);
        Assert.Equal(MemoProgram.Id, memo.ProgramId);
        Assert.Equal(new byte[] { 0xC3, 0xB1, 0x20, 0xE2, 0x9C, 0x93 }, memo.Data.ToArray());
        Assert.Equal([AccountMeta.ReadonlySigner(member)], memo.Accounts);
        var lone = Assert.Throws<ArgumentException>(() => MemoProgram.Memo("a\uD800b"));
        Assert.Contains("lone surrogate", lone.Message, StringComparison.Ordinal);

        var sol = SystemProgram.Transfer(source, destination, ulong.MaxValue);
        Assert.Equal(new byte[] { 2, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255 }, sol.Data.ToArray());
        Assert.Equal([AccountMeta.WritableSigner(source), AccountMeta.Writable(destination)], sol.Accounts);
    }

    [Fact]
    public void partial_signing_leaves_zeros_until_every_signer_has_signed()
    {
        using var payer = Key(1);
        using var member = Key(2);
        using var stranger = Key(3);
        var message = Message.Compile(MessageVersion.V0, payer.PublicKey, Hash, [MemoProgram.Memo("two", member.PublicKey)]);
        var transaction = new Transaction(message).Sign(member);
        Assert.False(transaction.IsFullySigned);
        Assert.Null(transaction.Id);
        Assert.Equal(new byte[64], transaction.Serialize()[1..65]);

        var strangerError = Assert.Throws<TransactionException>(() => transaction.Sign(stranger));
        Assert.Contains($"{stranger.PublicKey} cannot sign this transaction", strangerError.Message, StringComparison.Ordinal);

        var forged = stranger.Sign(transaction.MessageBytes);
        var forgedError = Assert.Throws<TransactionException>(() => transaction.AddSignature(payer.PublicKey, forged));
        Assert.Contains($"is not {payer.PublicKey}'s signature of this message", forgedError.Message, StringComparison.Ordinal);

        transaction.AddSignature(payer.PublicKey, payer.Sign(transaction.MessageBytes));
        Assert.True(transaction.IsFullySigned);
        using var again = Key(1);
        Assert.Equal(transaction.Serialize(), new Transaction(message).Sign(again, member).Serialize());
    }

    [Fact]
    public void rules_of_the_message_are_refused_with_what_broke_them()
    {
        using var payer = Key(1);
        var program = Address(7);

        TransactionException Refused(IEnumerable<Instruction> instructions) => Assert.Throws<TransactionException>(() =>
            new Transaction(Message.Compile(MessageVersion.V0, payer.PublicKey, Hash, instructions)));

        Assert.Contains("invokes the fee payer", Refused([new Instruction(payer.PublicKey, [], [])]).Message,
            StringComparison.Ordinal);
        Assert.Contains("a program must not be writable",
            Refused([new Instruction(program, [], []), new Instruction(Address(8), [AccountMeta.Writable(program)], [])]).Message,
            StringComparison.Ordinal);
        Assert.Contains("a program must not be writable",
            Refused([new Instruction(Address(8), [AccountMeta.Writable(program)], []), new Instruction(program, [], [])]).Message,
            StringComparison.Ordinal);

        var signers = Enumerable.Range(10, 12).Select(i => Address((byte)i)).ToList();
        Assert.Contains("needs 13 signers; at most 12", Refused([MemoProgram.Memo("", signers)]).Message, StringComparison.Ordinal);

        var accounts = Enumerable.Range(10, 63).Select(i => AccountMeta.Readonly(Address((byte)i))).ToList();
        Assert.Contains("loads 65 distinct accounts; at most 64",
            Refused([new Instruction(program, accounts, [])]).Message, StringComparison.Ordinal);

        Assert.Contains("65 instructions; at most 64",
            Refused(Enumerable.Range(0, 65).Select(_ => new Instruction(program, [], []))).Message, StringComparison.Ordinal);

        var wide = Enumerable.Repeat(AccountMeta.Readonly(Address(9)), 256).ToList();
        Assert.Contains("Instruction 0 lists 256 accounts; at most 255",
            Refused([new Instruction(program, wide, [])]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_transaction_larger_than_a_packet_is_refused_with_its_size()
    {
        using var payer = Key(1);
        var mint = Address(2);
        var source = AssociatedTokenProgram.Address(payer.PublicKey, mint);
        var batch = Enumerable.Range(10, 12).SelectMany(i =>
        {
            var owner = Address((byte)i);
            return new[]
            {
                AssociatedTokenProgram.CreateIdempotent(payer.PublicKey, owner, mint),
                TokenProgram.TransferChecked(source, mint, AssociatedTokenProgram.Address(owner, mint), payer.PublicKey, 1, 6),
            };
        }).ToList();
        var fits = Message.Compile(MessageVersion.V0, payer.PublicKey, Hash, batch.Take(16));
        Assert.True(new Transaction(fits).Sign(payer).Serialize().Length <= TransactionLimits.PacketSize);

        var message = Message.Compile(MessageVersion.V0, payer.PublicKey, Hash, batch);
        var error = Assert.Throws<TransactionException>(() => new Transaction(message));
        Assert.Matches(@"^The transaction is 1[0-9]{3} bytes \(1 signatures and a 1[0-9]{3}-byte message\); one packet holds at most 1232\.$",
            error.Message);
    }
}

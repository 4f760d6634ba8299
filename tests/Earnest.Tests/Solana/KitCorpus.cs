using Earnest.Solana;
using Earnest.Solana.Programs;

namespace Earnest.Tests.Solana;

/// <summary>
/// Generates the corpus of transactions compared with @solana/kit, from a seeded <see cref="Random"/> (the same seed
/// gives the same corpus, keys and all): token transfers alone and in payout batches with account creation, memos
/// alone and with transfers, several signers, multisig authorities, SOL transfers, raw instructions whose accounts
/// recur in every role, accounts from address lookup tables, partly signed transactions, and transactions both sides
/// must refuse. Legacy and version 0 messages alternate.
/// </summary>
public sealed class KitCorpus
{
    private static readonly string[] MemoTexts =
    [
        "", "earnest payout", "pago de tareas: ñandú, acción, corazón", "任务报酬 ✓", "🚀 paid in full 💸",
        "sub_0198f2a1-7c4e-7b3a-9d2e-5f1a2b3c4d5e", "line one\nline two\ttabbed", new string('x', 180),
    ];

    private readonly Random _random;
    private readonly List<KitCase> _cases = [];
    private readonly (KitAccount Mint, byte Decimals)[] _mints;
    private int _version;

    private KitCorpus(int seed)
    {
        _random = new Random(seed);
        _mints = [(Address(), 6), (Address(), 9), (Address(), 0)];
    }

    /// <summary>The corpus of <paramref name="seed"/>.</summary>
    public static IReadOnlyList<KitCase> Generate(int seed)
    {
        var corpus = new KitCorpus(seed);
        corpus.Build();
        return corpus._cases;
    }

    private void Build()
    {
        for (var i = 0; i < 8; i++)
        {
            TransferChecked(i);
        }
        for (var i = 0; i < 10; i++)
        {
            PayoutBatch($"payout-batch-{i}", memo: false, partlySigned: false);
        }
        for (var i = 0; i < 8; i++)
        {
            MemoOnly(i);
        }
        for (var i = 0; i < 6; i++)
        {
            PayoutBatch($"memo-and-payouts-{i}", memo: true, partlySigned: false);
        }
        for (var i = 0; i < 6; i++)
        {
            SeveralSigners(i);
        }
        for (var i = 0; i < 3; i++)
        {
            Multisig(i);
        }
        for (var i = 0; i < 4; i++)
        {
            SolTransfers(i);
        }
        for (var i = 0; i < 10; i++)
        {
            Roles($"roles-{i}", lookups: false);
        }
        for (var i = 0; i < 8; i++)
        {
            Roles($"lookup-tables-{i}", lookups: true);
        }
        for (var i = 0; i < 3; i++)
        {
            PayoutBatch($"partly-signed-{i}", memo: i == 1, partlySigned: true);
        }
        Refused();
    }

    // ------------------------------------------------------------------ the kinds of transaction

    private void TransferChecked(int i)
    {
        var authority = NewParty();
        var payer = i % 2 == 0 ? authority : NewParty();
        var (mint, decimals) = Mint();
        var destinationOwner = Address();
        Add($"transfer-checked-{i}", payer, [authority, payer],
        [
            KitInstruction.TransferChecked(KitAccount.Ata(authority.Key, mint.Key), mint,
                KitAccount.Ata(destinationOwner.Key, mint.Key), authority.Account, Amount(), decimals),
        ]);
    }

    /// <summary>The settlement pattern: per recipient, create its token account if missing, then pay it.</summary>
    private void PayoutBatch(string name, bool memo, bool partlySigned)
    {
        var treasury = NewParty();
        var payer = _random.Next(3) == 0 ? treasury : NewParty();
        var (mint, decimals) = Mint();
        var recipients = Enumerable.Range(0, _random.Next(1, 7)).Select(_ => Address()).ToList();
        if (_random.Next(3) == 0)
        {
            recipients.Add(recipients[0]); // paid twice in one batch: the same accounts again
        }
        if (_random.Next(4) == 0)
        {
            recipients[^1] = payer.Account; // the fee payer is also a recipient's owner
        }
        var creates = recipients.Select(owner => KitInstruction.CreateIdempotent(payer.Account,
            KitAccount.Ata(owner.Key, mint.Key), owner, mint)).ToList();
        var transfers = recipients.Select(owner => KitInstruction.TransferChecked(KitAccount.Ata(treasury.Key, mint.Key),
            mint, KitAccount.Ata(owner.Key, mint.Key), treasury.Account, Amount(), decimals)).ToList();
        var instructions = new List<KitInstruction>();
        if (_random.Next(2) == 0)
        {
            instructions.AddRange(creates);
            instructions.AddRange(transfers);
        }
        else
        {
            instructions.AddRange(creates.Zip(transfers).SelectMany(pair => new[] { pair.First, pair.Second }));
        }
        if (memo)
        {
            var text = "earnest:payouts:" + string.Join(",", recipients.Select((_, k) => $"sub_{_random.Next(100000)}_{k}"));
            instructions.Insert(_random.Next(2) == 0 ? 0 : instructions.Count,
                KitInstruction.Memo(text[..Math.Min(text.Length, 120)]));
        }
        Add(name, payer, partlySigned ? [payer] : [treasury, payer], instructions);
    }

    private void MemoOnly(int i)
    {
        var payer = NewParty();
        var signers = Enumerable.Range(0, _random.Next(0, 4)).Select(_ => _random.Next(4) == 0 ? payer : NewParty()).ToList();
        var text = MemoTexts[i % MemoTexts.Length];
        var accounts = signers.Select(s => s.Account).ToList();
        Add($"memo-{i}", payer, [payer, .. signers],
            [i % 3 == 2 ? KitInstruction.MemoV4(text, accounts) : KitInstruction.Memo(text, accounts)]);
    }

    private void SeveralSigners(int i)
    {
        var payer = NewParty();
        var authorities = Enumerable.Range(0, _random.Next(2, 5)).Select(_ => NewParty()).ToList();
        var (mint, decimals) = Mint();
        var instructions = authorities.Select(a => KitInstruction.TransferChecked(KitAccount.Ata(a.Key, mint.Key), mint,
            KitAccount.Ata(Pick(authorities).Key, mint.Key), a.Account, Amount(), decimals)).ToList();
        instructions.Insert(_random.Next(instructions.Count + 1),
            KitInstruction.Memo($"several signers {i}", Pick(authorities).Account, payer.Account));
        if (i % 2 == 1)
        {
            instructions.Add(KitInstruction.TransferSol(Pick(authorities).Account, payer.Account, (ulong)_random.Next(1, 1_000_000)));
        }
        Add($"several-signers-{i}", payer, [payer, .. authorities], instructions);
    }

    private void Multisig(int i)
    {
        var payer = NewParty();
        var multisig = Address();
        var members = Enumerable.Range(0, _random.Next(2, 4)).Select(_ => NewParty()).ToList();
        var (mint, decimals) = Mint();
        Add($"multisig-{i}", payer, [payer, .. members],
        [
            KitInstruction.TransferChecked(KitAccount.Ata(multisig.Key, mint.Key), mint,
                KitAccount.Ata(Address().Key, mint.Key), multisig, Amount(), decimals, [.. members.Select(m => m.Account)]),
        ]);
    }

    private void SolTransfers(int i)
    {
        var parties = Enumerable.Range(0, _random.Next(2, 4)).Select(_ => NewParty()).ToList();
        var payer = parties[0];
        var instructions = new List<KitInstruction>();
        for (var k = 0; k < _random.Next(1, 5); k++)
        {
            var destination = _random.Next(3) == 0 ? Pick(parties).Account : Address();
            instructions.Add(KitInstruction.TransferSol(Pick(parties).Account, destination, (ulong)_random.NextInt64()));
        }
        if (i % 2 == 0)
        {
            instructions.Add(i == 2 ? KitInstruction.MemoV4("sol " + i) : KitInstruction.Memo("sol " + i));
        }
        var signing = parties.Where(p => instructions.Any(ix => ix.Instruction.Accounts.Any(a => a.IsSigner && a.Address == p.Key)))
            .Append(payer).Distinct().ToList();
        Add($"sol-transfers-{i}", payer, signing, instructions);
    }

    /// <summary>
    /// Raw instructions over a small pool of accounts, so each address recurs in several roles (signer or not,
    /// writable or not, the fee payer given read-only, a program given as a signer, token instructions mixed in); with
    /// <paramref name="lookups"/>, some accounts come from lookup tables, some of them also named directly, from two
    /// tables, or required to sign.
    /// </summary>
    private void Roles(string name, bool lookups)
    {
        var parties = Enumerable.Range(0, _random.Next(1, 4)).Select(_ => NewParty()).ToList();
        var payer = parties[0];
        var plain = Enumerable.Range(0, _random.Next(2, 6)).Select(_ => Address()).ToList();
        var programs = Enumerable.Range(0, _random.Next(1, 3)).Select(_ => Address()).ToList();
        var tables = Enumerable.Range(0, _random.Next(1, 4)).Select(_ => Address()).ToList();
        var instructions = new List<KitInstruction>();
        var count = _random.Next(1, 5);
        for (var k = 0; k < count; k++)
        {
            if (_random.Next(5) == 0 && k > 0)
            {
                instructions.Add(KitInstruction.Memo("roles", Pick(parties).Account));
                continue;
            }
            var accounts = new List<(KitAccount, bool, bool, (KitAccount, byte)?)>();
            if (lookups)
            {
                accounts.Add((Pick(plain), false, _random.Next(2) == 0, (Pick(tables), (byte)_random.Next(256))));
            }
            for (var m = _random.Next(0, 7); m > 0; m--)
            {
                var kind = _random.Next(10);
                if (kind < 3)
                {
                    accounts.Add((Pick(parties).Account, _random.Next(2) == 0, _random.Next(2) == 0, null));
                }
                else if (kind < 8)
                {
                    var account = Pick(plain);
                    if (lookups && _random.Next(2) == 0)
                    {
                        accounts.Add((account, false, _random.Next(2) == 0, (Pick(tables), (byte)_random.Next(256))));
                    }
                    else
                    {
                        accounts.Add((account, false, _random.Next(2) == 0, null));
                    }
                }
                else if (kind == 8)
                {
                    // A program given as an account: never writable (the network refuses that), sometimes a signer,
                    // sometimes from a lookup table (it is named directly all the same).
                    var program = Pick(programs);
                    accounts.Add(lookups && _random.Next(2) == 0
                        ? (program, false, false, (Pick(tables), (byte)_random.Next(256)))
                        : (program, _random.Next(3) == 0, false, null));
                }
                else
                {
                    // A party from a lookup table: named directly instead when it signs or pays fees.
                    accounts.Add(lookups
                        ? (Pick(parties).Account, false, _random.Next(2) == 0, (Pick(tables), (byte)_random.Next(256)))
                        : (payer.Account, false, false, null));
                }
            }
            var data = new byte[_random.Next(0, 17)];
            _random.NextBytes(data);
            instructions.Add(KitInstruction.Raw(Pick(programs), accounts, data));
        }
        if (_random.Next(3) == 0)
        {
            var (mint, decimals) = Mint();
            var owner = Pick(parties);
            instructions.Insert(_random.Next(instructions.Count + 1), KitInstruction.TransferChecked(
                KitAccount.Ata(owner.Key, mint.Key), mint, Pick(plain), owner.Account, Amount(), decimals));
        }
        var signing = parties.Where(p => p == payer ||
            instructions.Any(ix => ix.Instruction.Accounts.Any(a => a.IsSigner && a.Address == p.Key))).ToList();
        if (_random.Next(4) == 0 && signing.Count > 1)
        {
            signing.RemoveAt(signing.Count - 1); // one signer still to sign: its slot stays zero
        }
        Add(name, payer, signing, instructions, lookups ? MessageVersion.V0 : null);
    }

    /// <summary>Transactions both sides must refuse.</summary>
    private void Refused()
    {
        var payer = NewParty();
        var program = Address();
        var other = Address();
        Add("refused-fee-payer-invoked", payer, [payer], [KitInstruction.Raw(payer.Account, [], [1])]);
        Add("refused-program-given-writable", payer, [payer],
        [
            KitInstruction.Raw(program, [], [1]),
            KitInstruction.Raw(other, [(program, false, true, null)], [2]),
        ]);
        Add("refused-writable-account-invoked", payer, [payer],
        [
            KitInstruction.Raw(other, [(program, false, true, null)], [2]),
            KitInstruction.Raw(program, [], [1]),
        ]);
        var thirteen = Enumerable.Range(0, 12).Select(_ => NewParty()).ToList();
        Add("refused-thirteen-signers", payer, [payer, .. thirteen],
            [KitInstruction.Memo("too many", [.. thirteen.Select(s => s.Account)])]);
        var many = Enumerable.Range(0, 64).Select(_ => (Address(), false, false, ((KitAccount, byte)?)null)).ToList();
        Add("refused-sixty-six-accounts", payer, [payer], [KitInstruction.Raw(program, many, [])]);
        Add("refused-stranger-signs", payer, [payer, NewParty()], [KitInstruction.Memo("who signs?")]);
    }

    // ------------------------------------------------------------------ helpers

    private sealed record Party(byte[] Seed, PublicKey Key)
    {
        public KitAccount Account => KitAccount.Of(Key);
    }

    private Party NewParty()
    {
        var seed = new byte[32];
        _random.NextBytes(seed);
        using var key = Keypair.FromSeed(seed);
        return new Party(seed, key.PublicKey);
    }

    private KitAccount Address()
    {
        var bytes = new byte[32];
        _random.NextBytes(bytes);
        return KitAccount.Of(PublicKey.FromBytes(bytes));
    }

    private (KitAccount Mint, byte Decimals) Mint() => _mints[_random.Next(_mints.Length)];

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private ulong Amount() => _random.Next(6) switch
    {
        0 => 0,
        1 => ulong.MaxValue,
        2 => (ulong)_random.Next(1, 1000),
        _ => (ulong)_random.NextInt64() * (ulong)_random.Next(1, 3),
    };

    private void Add(string name, Party payer, IEnumerable<Party> signing, IReadOnlyList<KitInstruction> instructions,
        MessageVersion? version = null)
    {
        var hash = new byte[32];
        _random.NextBytes(hash);
        _cases.Add(new KitCase
        {
            Name = name,
            Version = version ?? (_version++ % 2 == 0 ? MessageVersion.Legacy : MessageVersion.V0),
            FeePayer = payer.Key,
            Blockhash = Blockhash.FromBytes(hash),
            Instructions = instructions,
            SigningSeeds = signing.DistinctBy(p => p.Key).Select(p => p.Seed).ToList(),
        });
    }
}

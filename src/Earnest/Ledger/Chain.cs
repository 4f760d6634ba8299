using System.Data.Common;
using Dapper;
using Earnest.Identity;
using Earnest.Storage;

namespace Earnest.Ledger;

/// <summary>
/// The chain of blocks. Every group commit that posts transfers seals them, inside the same transaction, into one
/// block: the Merkle root of their payloads, hash-chained to the previous block and signed by the network. So a
/// payment is in a signed block the moment it is acknowledged; a block closes when its commit does (at most one
/// fsync after its first transfer arrived) or when the commit reaches its size limit. Proofs come from the trees of
/// recent blocks kept in memory, or from the stored payloads for older ones.
/// </summary>
public sealed class Chain : ICommitHook
{
    /// <summary>This many recent blocks (header, signature and Merkle tree) stay in memory for proofs.</summary>
    public const int CachedBlocks = 256;

    /// <summary>
    /// A block's size limit: once a group commit has posted this many transfers, no further piece joins it (a piece
    /// already running finishes, so one large piece can exceed it).
    /// </summary>
    public const int MaxBlockTransfers = 10_000;

    private readonly Database _database;
    private readonly NetworkKey _key;
    private readonly Lock _gate = new();
    private readonly Dictionary<long, SealedBlock> _blocks = [];
    private readonly List<long> _blockOrder = [];
    private BlockHeader? _head;
    private SealedBlock? _sealing;
    private bool _backlog;

    /// <summary>Loads the chain's head, and notes whether the store holds transfers no block covers yet.</summary>
    public Chain(Database database, NetworkKey key)
    {
        _database = database;
        _key = key;
        State = new LedgerState(database.LedgerIndex);
        (_head, _backlog) = database.Read(c =>
        {
            var head = c.QuerySingleOrDefault<BlockRow>("SELECT * FROM blocks ORDER BY height DESC LIMIT 1")?.ToHeader();
            return (head, LedgerLog.LastSeq(c) > (head?.LastSeq ?? 0));
        });
    }

    /// <summary>The newest block's header, or null before the first transfer.</summary>
    public BlockHeader? Head
    {
        get
        {
            lock (_gate)
            {
                return _head;
            }
        }
    }

    /// <summary>The writer's working state of balances and posted transfers.</summary>
    internal LedgerState State { get; }

    /// <inheritdoc />
    public void ItemStarting() => State.ItemStarting();

    /// <inheritdoc />
    public bool GroupFull => State.Posted.Count >= MaxBlockTransfers;

    /// <inheritdoc />
    public void ItemRolledBack() => State.ItemRolledBack();

    /// <inheritdoc />
    public void BeforeCommit(StoreTx tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        _sealing = null;
        State.Flush(tx);
        LedgerLog.Append(tx, State.Posted);
        var last = _head?.LastSeq ?? 0;
        // The group's own transfers; once, for a ledger written before blocks existed, every transfer after the head.
        var rows = _backlog ? LedgerLog.Read(tx.Connection, last, tx.Transaction).ToList() : State.Posted;
        if (rows.Count == 0)
        {
            return;
        }
        for (var i = 0; i < rows.Count; i++)
        {
            Invariant.Check(rows[i].Seq == last + 1 + i, $"transfer sequence numbers jump at {rows[i].Seq}");
        }
        var tree = MerkleTree.Build(rows.Select(r => r.Payload).ToList());
        var header = new BlockHeader((_head?.Height ?? 0) + 1, _head?.Hash() ?? BlockHeader.GenesisHash,
            tree.Root.ToArray(), rows.Count, rows[0].Seq, tx.NowMicros);
        var bytes = header.Encode();
        var signature = _key.SignBytes(bytes);
        tx.Execute("""
            INSERT INTO blocks(height, hash, previous_hash, merkle_root, count, first_seq, closed_at, header, signature)
            VALUES (@Height, @hash, @PreviousHash, @MerkleRoot, @Count, @FirstSeq, @ClosedAtMicros, @bytes, @signature)
            """, new
        {
            header.Height, hash = header.Hash(), header.PreviousHash, header.MerkleRoot, header.Count,
            header.FirstSeq, header.ClosedAtMicros, bytes, signature,
        });
        _sealing = new SealedBlock(header, Convert.ToBase64String(bytes), Base58Text.Encode(signature), tree);
    }

    /// <inheritdoc />
    public void Committed()
    {
        State.GroupCommitted();
        if (_sealing is not { } sealing)
        {
            return;
        }
        _sealing = null;
        _backlog = false;
        lock (_gate)
        {
            _head = sealing.Header;
            Remember(sealing);
        }
        _database.LedgerIndex?.Committed(sealing.Header.LastSeq);
    }

    /// <inheritdoc />
    public void GroupFailed()
    {
        _sealing = null;
        State.GroupFailed();
    }

    /// <inheritdoc />
    public void StoreChanged(StoreTx tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        State.StoreChanged();
        var head = tx.QuerySingleOrDefault<BlockRow>("SELECT * FROM blocks ORDER BY height DESC LIMIT 1")?.ToHeader();
        lock (_gate)
        {
            _head = head;
        }
    }

    /// <summary>One block with its transfer ids, or null.</summary>
    public BlockDetailView? Block(long height) => _database.Read(c =>
    {
        var row = c.QuerySingleOrDefault<BlockRow>("SELECT * FROM blocks WHERE height = @height", new { height });
        if (row is null)
        {
            return null;
        }
        var ids = c.Query<string>("SELECT id FROM transfers WHERE seq BETWEEN @first AND @last ORDER BY seq",
            new { first = row.FirstSeq, last = row.FirstSeq + row.Count - 1 }).ToList();
        return new BlockDetailView(row.View(), ids);
    });

    /// <summary>The newest block, or null before the first transfer.</summary>
    public BlockView? HeadView() => _database.Read(c =>
        c.QuerySingleOrDefault<BlockRow>("SELECT * FROM blocks ORDER BY height DESC LIMIT 1"))?.View();

    /// <summary>
    /// The receipt of a committed transfer with its block and Merkle audit path (a transfer of a recent block is proved
    /// from memory). A transfer in no block yet — never, once its commit returned — gets its receipt without a proof.
    /// </summary>
    public Receipt ReceiptOf(SignedTransfer transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        return Cached(transfer.Seq)?.Prove(transfer) ?? _database.Read(c => ReceiptOf(c, transfer));
    }

    /// <summary><see cref="ReceiptOf(SignedTransfer)"/> on a caller's connection.</summary>
    public Receipt ReceiptOf(DbConnection connection, SignedTransfer transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        if (Cached(transfer.Seq) is { } cached)
        {
            return cached.Prove(transfer);
        }
        var row = connection.QuerySingleOrDefault<BlockRow>(
            "SELECT * FROM blocks WHERE first_seq <= @Seq ORDER BY first_seq DESC LIMIT 1", new { transfer.Seq });
        if (row is null || transfer.Seq > row.FirstSeq + row.Count - 1)
        {
            return transfer.Receipt;
        }
        lock (_gate)
        {
            if (_blocks.TryGetValue(row.Height, out var known))
            {
                return known.Prove(transfer);
            }
        }
        var header = row.ToHeader();
        var payloads = connection.Query<byte[]>(
            "SELECT payload FROM transfers WHERE seq BETWEEN @FirstSeq AND @LastSeq ORDER BY seq", header).ToList();
        var block = new SealedBlock(header, Convert.ToBase64String(row.Header), Base58Text.Encode(row.Signature),
            MerkleTree.Build(payloads));
        lock (_gate)
        {
            Remember(block);
        }
        return block.Prove(transfer);
    }

    /// <summary>The cached block holding a sequence number, when it is one of the newest (the usual case).</summary>
    private SealedBlock? Cached(long seq)
    {
        lock (_gate)
        {
            if (_head is null || seq > _head.LastSeq)
            {
                return null;
            }
            // Newest first: most proofs are asked for right after their commit.
            for (var i = _blockOrder.Count - 1; i >= 0; i--)
            {
                var block = _blocks[_blockOrder[i]];
                if (seq >= block.Header.FirstSeq && seq <= block.Header.LastSeq)
                {
                    return block;
                }
            }
            return null;
        }
    }

    private void Remember(SealedBlock block)
    {
        if (!_blocks.TryAdd(block.Header.Height, block))
        {
            return;
        }
        _blockOrder.Add(block.Header.Height);
        if (_blockOrder.Count > CachedBlocks)
        {
            _blocks.Remove(_blockOrder[0]);
            _blockOrder.RemoveAt(0);
        }
    }

    /// <summary>A sealed block as proofs need it: its header, the header bytes and signature as a receipt shows them, and its tree.</summary>
    private sealed record SealedBlock(BlockHeader Header, string HeaderText, string Signature, MerkleTree Tree)
    {
        public Receipt Prove(SignedTransfer transfer)
        {
            var index = (int)(transfer.Seq - Header.FirstSeq);
            return transfer.Receipt with
            {
                Block = new ReceiptBlock(Header.Height, HeaderText, Signature),
                Proof = new MerkleProof(index, Tree.Size, Tree.Path(index).Select(Convert.ToBase64String).ToList()),
            };
        }
    }

    /// <summary>A stored block.</summary>
    internal sealed class BlockRow
    {
        public long Height { get; set; }
        public byte[] Hash { get; set; } = [];
        public byte[] PreviousHash { get; set; } = [];
        public byte[] MerkleRoot { get; set; } = [];
        public long Count { get; set; }
        public long FirstSeq { get; set; }
        public long ClosedAt { get; set; }
        public byte[] Header { get; set; } = [];
        public byte[] Signature { get; set; } = [];

        /// <summary>The header as the columns describe it.</summary>
        public BlockHeader ToHeader() => new(Height, PreviousHash, MerkleRoot, (int)Count, FirstSeq, ClosedAt);

        public BlockView View() => BlockView.Of(ToHeader(), Signature);
    }
}

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
    /// <summary>Trees of this many recent blocks stay in memory for proofs.</summary>
    public const int CachedTrees = 256;

    private readonly SqliteDatabase _database;
    private readonly NetworkKey _key;
    private readonly Lock _gate = new();
    private readonly Dictionary<long, MerkleTree> _trees = [];
    private readonly Queue<long> _treeOrder = new();
    private BlockHeader? _head;
    private (BlockHeader Header, MerkleTree Tree)? _sealing;

    /// <summary>Loads the chain's head.</summary>
    public Chain(SqliteDatabase database, NetworkKey key)
    {
        _database = database;
        _key = key;
        _head = database.Read(c => c.QuerySingleOrDefault<BlockRow>(
            "SELECT * FROM blocks ORDER BY height DESC LIMIT 1"))?.ToHeader();
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
    internal LedgerState State { get; } = new();

    /// <inheritdoc />
    public void ItemStarting() => State.ItemStarting();

    /// <inheritdoc />
    public void ItemRolledBack() => State.ItemRolledBack();

    /// <inheritdoc />
    public void BeforeCommit(StoreTx tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        _sealing = null;
        State.Flush(tx);
        var last = _head?.LastSeq ?? 0;
        var posted = State.Posted;
        // The group's own transfers, unless the store holds older ones no block covers yet (a ledger written before
        // blocks existed): then every transfer after the head, read back.
        var rows = posted.Count > 0 && posted[0].Seq == last + 1
            ? posted
            : tx.Query<(long Seq, byte[] Payload)>(
                "SELECT seq, payload FROM transfers WHERE seq > @last ORDER BY seq", new { last }).ToList();
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
        tx.Execute("""
            INSERT INTO blocks(height, hash, previous_hash, merkle_root, count, first_seq, closed_at, header, signature)
            VALUES (@Height, @hash, @PreviousHash, @MerkleRoot, @Count, @FirstSeq, @ClosedAtMicros, @bytes, @signature)
            """, new
        {
            header.Height, hash = header.Hash(), header.PreviousHash, header.MerkleRoot, header.Count,
            header.FirstSeq, header.ClosedAtMicros, bytes, signature = _key.SignBytes(bytes),
        });
        _sealing = (header, tree);
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
        lock (_gate)
        {
            _head = sealing.Header;
            Remember(sealing.Header.Height, sealing.Tree);
        }
    }

    /// <inheritdoc />
    public void GroupFailed()
    {
        _sealing = null;
        State.GroupFailed();
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
    /// The receipt of a committed transfer with its block and Merkle audit path; null when the transfer is in no
    /// block yet (never, once its commit returned).
    /// </summary>
    public Receipt? Prove(SignedTransfer transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        return _database.Read(c => Prove(c, transfer));
    }

    /// <summary><see cref="Prove(SignedTransfer)"/> on a caller's connection.</summary>
    public Receipt? Prove(DbConnection connection, SignedTransfer transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        var row = connection.QuerySingleOrDefault<BlockRow>(
            "SELECT * FROM blocks WHERE first_seq <= @Seq ORDER BY first_seq DESC LIMIT 1", new { transfer.Seq });
        if (row is null || transfer.Seq > row.FirstSeq + row.Count - 1)
        {
            return null;
        }
        var tree = TreeOf(connection, row);
        var index = (int)(transfer.Seq - row.FirstSeq);
        return transfer.Receipt with
        {
            Block = new ReceiptBlock(row.Height, Convert.ToBase64String(row.Header), Base58Text.Encode(row.Signature)),
            Proof = new MerkleProof(index, tree.Size, tree.Path(index).Select(Convert.ToBase64String).ToList()),
        };
    }

    private MerkleTree TreeOf(DbConnection connection, BlockRow row)
    {
        lock (_gate)
        {
            if (_trees.TryGetValue(row.Height, out var cached))
            {
                return cached;
            }
        }
        var payloads = connection.Query<byte[]>(
            "SELECT payload FROM transfers WHERE seq BETWEEN @first AND @last ORDER BY seq",
            new { first = row.FirstSeq, last = row.FirstSeq + row.Count - 1 }).ToList();
        var tree = MerkleTree.Build(payloads);
        lock (_gate)
        {
            Remember(row.Height, tree);
        }
        return tree;
    }

    private void Remember(long height, MerkleTree tree)
    {
        if (!_trees.TryAdd(height, tree))
        {
            return;
        }
        _treeOrder.Enqueue(height);
        while (_treeOrder.Count > CachedTrees)
        {
            _trees.Remove(_treeOrder.Dequeue());
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

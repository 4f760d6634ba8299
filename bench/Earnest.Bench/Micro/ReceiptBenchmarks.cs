using BenchmarkDotNet.Attributes;
using Earnest.Identity;
using Earnest.Ledger;

namespace Earnest.Bench.Micro;

/// <summary>
/// Receipts, which every payout signs inside the write transaction and every client may verify: the payload encoding,
/// the Ed25519 signature alone, the whole <see cref="NetworkKey.Receipt"/> (payload, signature, base64 and base58 text)
/// and <see cref="Receipt.Verify"/>.
/// </summary>
[MemoryDiagnoser]
public class ReceiptBenchmarks
{
    private NetworkKey _key = null!;
    private Transfer _transfer = null!;
    private byte[] _payload = [];
    private Receipt _receipt = null!;

    [GlobalSetup]
    public void SetUp()
    {
        var seed = new byte[32];
        new Random(42).NextBytes(seed);
        _key = new NetworkKey(WalletKey.FromSeed(seed));
        using var contributor = WalletKey.FromSeed(seed.Reverse().ToArray());
        // A payout as Settlement posts it: ids are a prefix and a UUIDv7 in hex, the ref is the submission id.
        const string submission = "sub_019ab8e4c5d07c3a9f1e2d3c4b5a6978";
        _transfer = new Transfer("payout:" + submission, "escrow:cmp_019ab8e4a1b27f0e8d7c6b5a49382716",
            contributor.Address, "EARN", 1_000, 1_795_000_000_123_456, TransferKinds.Payout, submission);
        _payload = _transfer.Payload();
        _receipt = _key.Receipt(_payload);
    }

    [GlobalCleanup]
    public void CleanUp() => _key.Dispose();

    [Benchmark(Description = "Transfer.Payload")]
    public byte[] Payload() => _transfer.Payload();

    [Benchmark(Description = "NetworkKey.SignBytes (Ed25519 only)")]
    public byte[] SignBytes() => _key.SignBytes(_payload);

    [Benchmark(Description = "NetworkKey.Receipt (payload + sign)")]
    public Receipt Sign() => _key.Receipt(_transfer.Payload());

    [Benchmark(Description = "Receipt.Verify")]
    public string? Verify() => _receipt.Verify(_key.Signer);
}

using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Solana;
using Earnest.Solana.Programs;

namespace Earnest.Settlement;

/// <summary>
/// The network's side of settlement: its hot key (the fee payer and the owner of its token accounts) and the SPL mint
/// of each asset that can leave and enter the ledger. Withdrawals are paid from, and deposits paid into, the hot key's
/// associated token account for the asset's mint.
/// </summary>
public sealed class SettlementAccounts : IDisposable
{
    /// <summary>The hot key's file name in the data folder when none is configured.</summary>
    public const string DefaultKeyFile = "settlement.key";

    private readonly Dictionary<string, PublicKey> _mints;

    private SettlementAccounts(Keypair hotKey, Dictionary<string, PublicKey> mints)
    {
        HotKey = hotKey;
        _mints = mints;
    }

    /// <summary>The key that signs and pays for every settlement transaction.</summary>
    public Keypair HotKey { get; }

    /// <summary>The hot key's address: the deposit recipient and the owner of the network's token accounts.</summary>
    public PublicKey HotWallet => HotKey.PublicKey;

    /// <summary>The mint of each asset that can be settled, by symbol.</summary>
    public IReadOnlyDictionary<string, PublicKey> Mints => _mints;

    /// <summary>The mint of an asset; false when the asset cannot be settled.</summary>
    public bool TryMint(string asset, out PublicKey mint) => _mints.TryGetValue(asset, out mint!);

    /// <summary>The network's token account for a mint: the hot key's associated token account.</summary>
    public PublicKey TokenAccount(PublicKey mint) => AssociatedTokenProgram.Address(HotWallet, mint);

    /// <summary>
    /// The accounts the settings describe, or null when settlement is off (no RPC URL and no mint). The hot key file is
    /// created (mode 600) when missing, so that a new node has an address to fund.
    /// </summary>
    /// <exception cref="InvalidOperationException">A setting is wrong; the message names it (see <see cref="SettlementOptions.Problems"/>).</exception>
    public static SettlementAccounts? Open(EarnestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Settlement;
        if (!settings.Enabled && settings.Mints.Count == 0)
        {
            return null;
        }
        var problems = settings.Problems();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }
        var path = settings.HotKeyFile.Length > 0 ? settings.HotKeyFile : Path.Combine(options.DataFolder, DefaultKeyFile);
        var mints = settings.Mints.ToDictionary(m => m.Key, m => PublicKey.Parse(m.Value), StringComparer.Ordinal);
        return new SettlementAccounts(LoadOrCreateKey(path), mints);
    }

    /// <summary>A key file's key pair; a new one written (mode 600) when the file does not exist.</summary>
    public static Keypair LoadOrCreateKey(string path)
    {
        WalletKey key;
        if (File.Exists(path))
        {
            try
            {
                key = WalletKey.Parse(File.ReadAllText(path));
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
            {
                throw new InvalidOperationException($"The settlement hot key file {path} is not a key file: {e.Message}", e);
            }
        }
        else
        {
            key = WalletKey.Create();
            KeyFile.Write(path, key.ExportSecret());
        }
        using (key)
        {
            var secret = Base58Text.TryDecode(key.ExportSecret(), 100)!;
            return Keypair.FromSeed(secret.AsSpan(0, 32));
        }
    }

    /// <inheritdoc />
    public void Dispose() => HotKey.Dispose();
}

using Dapper;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Solana;
using Earnest.Storage;

namespace Earnest.Settlement;

/// <summary>Body of a request for a deposit address: the asset to deposit.</summary>
public sealed record DepositRequest(string? Asset);

/// <summary>A deposit credited to the ledger.</summary>
/// <param name="Signature">The Solana transaction that paid it.</param>
/// <param name="Asset">The asset credited (the asset of the mint received).</param>
/// <param name="Amount">Base units credited.</param>
/// <param name="TransferId">The ledger transfer that credited it: <c>deposit:&lt;signature&gt;</c>.</param>
/// <param name="CreditedAt">When it was credited.</param>
public sealed record DepositCreditView(string Signature, string Asset, long Amount, string TransferId,
    DateTimeOffset CreditedAt);

/// <summary>
/// Where and how to deposit, in the style of Solana Pay: send the asset's mint to <see cref="Recipient"/>'s token
/// account (<see cref="TokenAccount"/>) with TransferChecked, adding <see cref="Reference"/> to the instruction's
/// accounts as a read-only account; <see cref="Url"/> is the same as a Solana Pay transfer request.
/// </summary>
/// <param name="Reference">A fresh public key naming this requester: a transfer carrying it is credited to them.</param>
/// <param name="Asset">The asset.</param>
/// <param name="Mint">The asset's SPL mint.</param>
/// <param name="Decimals">The mint's decimals (TransferChecked repeats them).</param>
/// <param name="Recipient">The network's wallet (its hot key).</param>
/// <param name="TokenAccount">The network's associated token account for the mint: the TransferChecked destination.</param>
/// <param name="Url">A Solana Pay transfer request URL (<c>solana:…?spl-token=…&amp;reference=…</c>).</param>
/// <param name="CreatedAt">When the reference was made.</param>
/// <param name="Credits">The transfers carrying the reference credited so far.</param>
public sealed record DepositAddressView(string Reference, string Asset, string Mint, int Decimals, string Recipient,
    string TokenAccount, string Url, DateTimeOffset CreatedAt, IReadOnlyList<DepositCreditView> Credits);

/// <summary>
/// Deposits from Solana, the ledger's side: a requester asks for a reference (a fresh public key) and pays the
/// network's token account with it among the transfer's accounts; the <see cref="Settler"/> finds the transaction and
/// credits it once, under the ledger id <c>deposit:&lt;signature&gt;</c>.
/// </summary>
public sealed class Deposits(Database database, SettlementAccounts? accounts)
{
    /// <summary>References in one page of a list at most.</summary>
    public const int MaxPage = 100;

    /// <summary>The ledger transfer crediting the deposit paid by a transaction.</summary>
    public static string TransferId(string signature) => "deposit:" + signature;

    /// <summary>A new deposit reference for the requester in an asset that has a mint.</summary>
    public async Task<Outcome<DepositAddressView>> OpenAsync(string owner, DepositRequest body, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var asset = body.Asset is null ? null : database.Read(Postings.Assets).FirstOrDefault(a => a.Symbol == body.Asset);
        PublicKey? mint = null;
        var validation = new Validation().Require(asset is not null && accounts is not null && accounts.TryMint(asset.Symbol, out mint),
            "asset", body.Asset is null ? "The asset is required."
            : asset is null ? $"No asset {body.Asset} on this network."
            : $"{body.Asset} has no Solana mint configured on this network: it cannot be deposited.");
        if (!validation.IsValid)
        {
            return Problem.Invalid(validation);
        }
        // A reference only has to be a public key no one else uses; a fresh key pair's public half is one (Solana Pay's way).
        string reference;
        using (var fresh = Keypair.Generate())
        {
            reference = fresh.PublicKey.ToString();
        }
        var row = await database.WriteAsync(tx =>
        {
            var created = new DepositReferenceRow { Reference = reference, Owner = owner, Asset = asset!.Symbol, CreatedAt = tx.NowMicros };
            tx.Execute("INSERT INTO deposit_references(reference, owner, asset, created_at) VALUES (@Reference, @Owner, @Asset, @CreatedAt)",
                created);
            return created;
        }, ct).ConfigureAwait(false);
        return View(row, asset!, mint!, []);
    }

    /// <summary>The requester's deposit references, newest first, each with what was credited through it.</summary>
    public Outcome<IReadOnlyList<DepositAddressView>> List(string owner, int? limit)
    {
        if (limit is not null and (< 1 or > MaxPage))
        {
            return Problem.Invalid(new Validation().Require(false, "limit", $"A page holds 1 to {MaxPage} deposit references."));
        }
        return database.Read(c =>
        {
            var assets = Postings.Assets(c).ToDictionary(a => a.Symbol, StringComparer.Ordinal);
            var references = c.Query<DepositReferenceRow>("""
                SELECT * FROM deposit_references WHERE owner = @owner ORDER BY created_at DESC, reference LIMIT @limit
                """, new { owner, limit = limit ?? 20 }).ToList();
            var parameters = new DynamicParameters();
            var credits = c.Query<DepositRow>($"""
                SELECT * FROM deposits WHERE reference IN {SqlList.In(parameters, "reference", references.Select(r => r.Reference).ToList())}
                ORDER BY credited_at, signature
                """, parameters).ToList();
            return references.Select(r =>
            {
                var mint = accounts is not null && accounts.TryMint(r.Asset, out var m) ? m : null;
                return View(r, assets[r.Asset], mint, credits.Where(d => d.Reference == r.Reference).ToList());
            }).ToList();
        });
    }

    private DepositAddressView View(DepositReferenceRow row, Asset asset, PublicKey? mint, IReadOnlyList<DepositRow> credits)
    {
        var recipient = accounts?.HotWallet.ToString() ?? "";
        var mintText = mint?.ToString() ?? "";
        var tokenAccount = mint is null || accounts is null ? "" : accounts.TokenAccount(mint).ToString();
        var url = mint is null
            ? ""
            : $"solana:{recipient}?spl-token={mintText}&reference={row.Reference}&label=Earnest&message=Deposit%20of%20{asset.Symbol}";
        return new DepositAddressView(row.Reference, row.Asset, mintText, asset.Decimals, recipient, tokenAccount, url,
            Time.FromMicros(row.CreatedAt),
            credits.Select(d => new DepositCreditView(d.Signature, d.Asset, d.Amount, TransferId(d.Signature),
                Time.FromMicros(d.CreditedAt))).ToList());
    }
}

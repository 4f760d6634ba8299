using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Earnest.Solana;
using Earnest.Solana.Rpc;
using Xunit;

namespace Earnest.Tests.Solana;

/// <summary>
/// A Solana node for a test class: tests/clients/solana/rpc-fixture.mjs — LiteSVM, the real Solana runtime with the
/// real SPL Token, Associated Token Account and Memo programs, behind JSON-RPC on a loopback port — started once for
/// the class and killed after it. Each class gets its own chain. When Node.js is missing on a developer machine the
/// fixture is not <see cref="Available"/> and the tests pass without checking anything; under CI=true that fails, as
/// does a missing or stale install of the pinned npm packages anywhere (with the command that fixes it).
/// </summary>
public sealed class LiteSvmFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly StringBuilder _errors = new();
    private Process? _process;
    private HttpClient? _http;
    private SolanaRpcClient? _client;

    /// <summary>False when Node.js is missing on a developer machine.</summary>
    public bool Available => _client is not null;

    /// <summary>The node's JSON-RPC URL.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>A client of the node at finalized commitment (everything LiteSVM executes is final at once).</summary>
    public SolanaRpcClient Client => _client ?? throw new InvalidOperationException("The LiteSVM fixture is not running.");

    public async Task InitializeAsync()
    {
        var node = KitReference.FindNode("the Solana RPC tests run LiteSVM through it (tests/clients/solana/rpc-fixture.mjs)");
        if (node is null)
        {
            return;
        }
        KitReference.CheckInstalledPackages();
        var start = new ProcessStartInfo(node)
        {
            RedirectStandardInput = true, // closing it ends the fixture, should this process die without killing it
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = KitReference.Folder,
        };
        start.ArgumentList.Add(Path.Combine(KitReference.Folder, "rpc-fixture.mjs"));
        start.ArgumentList.Add("--exit-on-stdin-close");
        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {node}");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_errors)
                {
                    _errors.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();

        string? line;
        using (var timeout = new CancellationTokenSource(StartTimeout))
        {
            try
            {
                line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                line = null;
            }
        }
        if (line is null || !line.StartsWith('{'))
        {
            Stop();
            throw new InvalidOperationException(
                $"rpc-fixture.mjs did not print its URL within {StartTimeout.TotalSeconds} s (first line: {line ?? "none"}). Its errors:{Environment.NewLine}{Errors}");
        }
        Url = new Uri(JsonNode.Parse(line)!["url"]!.GetValue<string>());
        _ = _process.StandardOutput.ReadToEndAsync();
        _http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _client = new SolanaRpcClient(_http, Url, new SolanaRpcOptions { Commitment = Commitment.Finalized, MaxAttempts = 2 });
    }

    public Task DisposeAsync()
    {
        Stop();
        _http?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>What the fixture wrote to stderr (its internal errors).</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Adds lamports to an account (creating it as a system account).</summary>
    public async Task AirdropAsync(PublicKey account, ulong lamports) =>
        await ControlAsync("fixture_airdrop", new JsonObject { ["address"] = account.ToString(), ["lamports"] = lamports });

    /// <summary>A new mint, created by a real transaction; its mint authority is the fixture's own key.</summary>
    public async Task<PublicKey> CreateMintAsync(byte decimals) =>
        PublicKey.Parse((await ControlAsync("fixture_createMint", new JsonObject { ["decimals"] = decimals }))
            .GetProperty("mint").GetString()!);

    /// <summary>The associated token account of <paramref name="owner"/> for <paramref name="mint"/>, created by a real transaction.</summary>
    public async Task<PublicKey> CreateTokenAccountAsync(PublicKey mint, PublicKey owner) =>
        PublicKey.Parse((await ControlAsync("fixture_createTokenAccount",
            new JsonObject { ["mint"] = mint.ToString(), ["owner"] = owner.ToString() })).GetProperty("address").GetString()!);

    /// <summary>Mints <paramref name="amount"/> base units to a token account (a real MintTo, signed by the fixture).</summary>
    public async Task MintToAsync(PublicKey mint, PublicKey destination, ulong amount) =>
        await ControlAsync("fixture_mintTo",
            new JsonObject { ["mint"] = mint.ToString(), ["destination"] = destination.ToString(), ["amount"] = amount.ToString(CultureInfo.InvariantCulture) });

    /// <summary>Moves the chain past the current blockhash's last valid block height: transactions over it are refused from now on.</summary>
    public async Task ExpireBlockhashAsync() => await ControlAsync("fixture_expireBlockhash", new JsonObject());

    /// <summary>Moves the clock (and the block height) forward to <paramref name="slot"/>.</summary>
    public async Task WarpAsync(ulong slot) =>
        await ControlAsync("fixture_warp", new JsonObject { ["slot"] = slot.ToString(CultureInfo.InvariantCulture) });

    /// <summary>The next <paramref name="count"/> sendTransaction calls answer their signature and do nothing.</summary>
    public async Task DropNextAsync(int count) => await ControlAsync("fixture_dropNext", new JsonObject { ["count"] = count });

    /// <summary>
    /// A funded fee payer with a token account of a new mint holding <paramref name="amount"/> base units: the
    /// starting point of a payout.
    /// </summary>
    public async Task<Treasury> TreasuryAsync(Keypair owner, ulong amount, byte decimals = 6)
    {
        await AirdropAsync(owner.PublicKey, 100_000_000_000);
        var mint = await CreateMintAsync(decimals);
        var account = await CreateTokenAccountAsync(mint, owner.PublicKey);
        if (amount > 0)
        {
            await MintToAsync(mint, account, amount);
        }
        return new Treasury(owner, mint, account, decimals);
    }

    private async Task<JsonElement> ControlAsync(string method, JsonObject parameters)
    {
        try
        {
            return await Client.CallAsync(method, parameters);
        }
        catch (SolanaRpcException e)
        {
            throw new InvalidOperationException($"{e.Message}{Environment.NewLine}The fixture's errors:{Environment.NewLine}{Errors}", e);
        }
    }

    private void Stop()
    {
        if (_process is null)
        {
            return;
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }
        _process.Dispose();
        _process = null;
    }
}

/// <summary>A fee payer that owns a token account of a mint: the source of payouts in the tests.</summary>
/// <param name="Owner">The key that pays the fees and owns the source account.</param>
/// <param name="Mint">The mint.</param>
/// <param name="Source">The owner's associated token account.</param>
/// <param name="Decimals">The mint's decimals.</param>
public sealed record Treasury(Keypair Owner, PublicKey Mint, PublicKey Source, byte Decimals);

using System.CommandLine;
using Earnest.Identity;
using Earnest.Ledger;
using Earnest.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Earnest.Cli;

/// <summary>The <c>earnest</c> command line. Every failure is one line on standard error and a non-zero exit.</summary>
public static class Commands
{
    /// <summary>Exit code of a usage or input error.</summary>
    public const int UsageError = 2;

    /// <summary>Parses and runs a command line.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Earnest: an open Internet Labor Market. Requesters fund tasks, contributors do " +
                                   "them, verified work is paid at once with signed receipts.");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(WalletCommands.Create());
        root.Subcommands.Add(ReceiptCommands.Create());
        root.Subcommands.Add(AggregateCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        root.Subcommands.Add(SettlementCommands.Withdraw());
        root.Subcommands.Add(SettlementCommands.Deposit());
        root.Subcommands.Add(BenchCommand.Create());
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            return Fail(parsed.Errors[0].Message + " (see earnest --help)");
        }
        try
        {
            // The default handler would print a stack trace for an expected failure; a CliException is one line.
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (CliException ex)
        {
            return Fail(ex.Message);
        }
    }

    /// <summary>Writes one line to standard error and returns the usage-error exit code.</summary>
    public static int Fail(string message)
    {
        Console.Error.WriteLine("earnest: " + message);
        return UsageError;
    }
}

/// <summary>An expected failure of a command, reported as one line.</summary>
public sealed class CliException(string message) : Exception(message);

/// <summary><c>earnest serve</c>: the node with its HTTP API on the embedded store.</summary>
public static class ServeCommand
{
    /// <summary>The option naming the data folder, shared by commands that open one.</summary>
    public static Option<string> DataOption() => new("--data")
    {
        Description = "Folder of the database and the network key (created if missing).",
        DefaultValueFactory = _ => ".data",
    };

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var data = DataOption();
        var urls = new Option<string>("--urls")
        {
            Description = "Address to listen on (port 0 picks a free one).",
            DefaultValueFactory = _ => "http://127.0.0.1:5080",
        };
        var production = new Option<bool>("--production")
        {
            Description = "Not a dev network: the faucet is off.",
        };
        var rate = new Option<int>("--requests-per-second")
        {
            Description = "Requests per second one caller (account, else IP address) may make, sustained.",
            DefaultValueFactory = _ => new ServerOptions().RequestsPerSecond,
        };
        var burst = new Option<int>("--burst")
        {
            Description = "Requests one caller may make in a burst above the sustained rate.",
            DefaultValueFactory = _ => new ServerOptions().RequestBurst,
        };
        var queueWait = new Option<int>("--max-queue-wait-ms")
        {
            Description = "Refuse new sign-ins and leases (503, Retry-After) while work queued now would wait longer " +
                          "than this; submissions are never refused for it. 0: never refuse.",
            DefaultValueFactory = _ => (int)new ServerOptions().MaxQueueWait.TotalMilliseconds,
        };
        var database = new Option<string?>("--database")
        {
            Description = "A PostgreSQL connection string (\"Host=…;Database=…\"), shared by any number of servers; " +
                          "default: EARNEST_Database, else the embedded SQLite store in the data folder.",
        };
        var command = new Command("serve", "Run a node: the HTTP API on the embedded SQLite store, or on PostgreSQL.")
        {
            data, urls, production, rate, burst, queueWait, database,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = Settings.Load();
            options.DataFolder = parse.GetValue(data)!;
            options.DevNetwork = options.DevNetwork && !parse.GetValue(production);
            var url = parse.GetValue(urls)!;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new CliException($"--urls must be an http URL, not '{url}'.");
            }
            var (perSecond, inBurst) = (parse.GetValue(rate), parse.GetValue(burst));
            if (perSecond < 1 || inBurst < 1)
            {
                throw new CliException("--requests-per-second and --burst must be at least 1.");
            }
            var maxQueueWait = parse.GetValue(queueWait);
            if (maxQueueWait < 0)
            {
                throw new CliException("--max-queue-wait-ms is 0 (never refuse) or more.");
            }
            options.Domain = uri.Authority;
            options.Database = parse.GetValue(database) ?? options.Database;
            if (options.Settlement.Problems() is { Count: > 0 } problems)
            {
                throw new CliException("bad EARNEST_Settlement__ setting: " + string.Join(" ", problems));
            }
            using var node = await Node.OpenAsync(options, null, Stores.Opener(options.Database));
            using var rpcHttp = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var settler = options.Settlement.Enabled ? await SettlerAsync(node, rpcHttp, ct) : null;
            await using var app = EarnestServer.Create(node, new ServerOptions
            {
                Urls = url, LogLevel = LogLevel.Warning, RequestsPerSecond = perSecond, RequestBurst = inBurst,
                MaxQueueWait = TimeSpan.FromMilliseconds(maxQueueWait),
            }, settler);
            // Servers sharing a PostgreSQL database hear each other's events (LISTEN/NOTIFY).
            await using var relay = node.Database is Earnest.Postgres.PostgresDatabase shared
                ? await Earnest.Postgres.PostgresEventRelay.StartAsync(shared, node.Events, Earnest.Client.EarnestClient.Json)
                : null;
            await app.StartAsync(ct);
            var listening = EarnestServer.ListeningUrl(app);
            Console.WriteLine($"Earnest listening on {listening}");
            Console.WriteLine($"  data: {Path.GetFullPath(options.DataFolder)}" +
                              (node.Database is Earnest.Postgres.PostgresDatabase ? " (network key); store: PostgreSQL" : ""));
            Console.WriteLine($"  network key: {node.Key.Signer}");
            Console.WriteLine(options.DevNetwork ? "  dev network: faucet on" : "  production: faucet off");
            if (settler is not null)
            {
                var s = options.Settlement;
                Console.WriteLine($"  settlement: Solana at {s.RpcUrl} ({s.Commitment.ToString().ToLowerInvariant()}), every " +
                                  $"{s.Interval.TotalSeconds:0.#} s; hot wallet {settler.Accounts.HotWallet} (pays fees, holds the tokens)");
                foreach (var (asset, mint) in settler.Accounts.Mints.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    Console.WriteLine($"    {asset}: mint {mint}, token account {settler.Accounts.TokenAccount(mint)}");
                }
                Console.WriteLine(s.AnchorEveryBlocks > 0 ? $"    anchors every {s.AnchorEveryBlocks} blocks" : "    no anchors");
            }
            Console.WriteLine($"  API: {listening}/v1   OpenAPI: {listening}/openapi/v1.json");
            Console.WriteLine($"  contributor app: {listening}/app/   requester dashboard: {listening}/dashboard/");
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }

    /// <summary>The node's settler, once its mints are checked against the cluster (a one-line error otherwise).</summary>
    private static async Task<Earnest.Settlement.Settler> SettlerAsync(Node node, HttpClient http, CancellationToken ct)
    {
        var settings = node.Options.Settlement;
        var rpc = new Earnest.Solana.Rpc.SolanaRpcClient(http, new Uri(settings.RpcUrl),
            new Earnest.Solana.Rpc.SolanaRpcOptions { Commitment = settings.Commitment });
        var settler = new Earnest.Settlement.Settler(node, rpc);
        try
        {
            await settler.VerifyAsync(ct);
        }
        catch (InvalidOperationException e)
        {
            throw new CliException("settlement: " + e.Message);
        }
        catch (Exception e) when (e is Earnest.Solana.Rpc.SolanaRpcException or Earnest.Solana.Rpc.SolanaRpcTransportException)
        {
            throw new CliException($"settlement: cannot check the mints at {settings.RpcUrl}: {e.Message}");
        }
        return settler;
    }
}

/// <summary>
/// Node settings from the environment: <c>EARNEST_</c> variables bind to <see cref="EarnestOptions"/>
/// (e.g. <c>EARNEST_LeaseDuration=00:05:00</c>, <c>EARNEST_MaxActiveAssignmentsPerContributor=5</c>); command-line
/// options override them.
/// </summary>
public static class Settings
{
    /// <summary>The options, from defaults and the environment; a malformed value is a one-line error.</summary>
    public static EarnestOptions Load()
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables("EARNEST_").Build();
        var options = new EarnestOptions();
        try
        {
            configuration.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException("bad EARNEST_ setting: " + ex.Message);
        }
        return options;
    }
}

/// <summary><c>earnest wallet</c>: keys for people who sign in from a shell.</summary>
public static class WalletCommands
{
    /// <summary>Builds the command group.</summary>
    public static Command Create()
    {
        var wallet = new Command("wallet", "Create a wallet key and sign sign-in messages with it.");
        wallet.Subcommands.Add(New());
        wallet.Subcommands.Add(Address());
        wallet.Subcommands.Add(Sign());
        return wallet;
    }

    private static Option<string> KeyOption() => new("--key")
    {
        Description = "The key file (base58 secret, or a Solana CLI JSON array).",
        DefaultValueFactory = _ => "wallet.key",
    };

    private static Command New()
    {
        var output = new Option<string>("--out")
        {
            Description = "File to write the new key to (mode 600; never overwritten).",
            DefaultValueFactory = _ => "wallet.key",
        };
        var command = new Command("new", "Create a key file and print its address.") { output };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(output)!;
            if (File.Exists(path))
            {
                throw new CliException($"{path} exists; refusing to overwrite a key.");
            }
            using var key = WalletKey.Create();
            KeyFile.Write(path, key.ExportSecret());
            Console.WriteLine(key.Address);
            return 0;
        });
        return command;
    }

    private static Command Address()
    {
        var keyPath = KeyOption();
        var command = new Command("address", "Print the address of a key file.") { keyPath };
        command.SetAction(parse =>
        {
            using var key = Load(parse.GetValue(keyPath)!);
            Console.WriteLine(key.Address);
            return 0;
        });
        return command;
    }

    private static Command Sign()
    {
        var keyPath = KeyOption();
        var message = new Argument<string>("message")
        {
            Description = "The message to sign; '-' reads it from standard input (exact bytes, no trailing newline added).",
        };
        var command = new Command("sign", "Sign a message's UTF-8 bytes; prints the base58 signature.") { keyPath, message };
        command.SetAction(parse =>
        {
            using var key = Load(parse.GetValue(keyPath)!);
            var text = parse.GetValue(message)!;
            if (text == "-")
            {
                text = Console.In.ReadToEnd();
            }
            Console.WriteLine(key.SignText(text));
            return 0;
        });
        return command;
    }

    /// <summary>Loads a key file, or fails with one line.</summary>
    public static WalletKey Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"no key file at {path} (create one with: earnest wallet new --out {path})");
        }
        try
        {
            return WalletKey.Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException)
        {
            throw new CliException($"{path} is not a key file: {ex.Message}");
        }
    }
}

/// <summary><c>earnest verify-receipt</c>: offline verification of a receipt.</summary>
public static class ReceiptCommands
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A JSON file holding a receipt, or a transfer with a receipt field." };
        var signer = new Option<string?>("--signer") { Description = "The network key the receipt must be signed by (GET /v1/ledger/key)." };
        var noProof = new Option<bool>("--allow-no-proof") { Description = "Accept a receipt with a transfer signature but no block and Merkle proof." };
        var command = new Command("verify-receipt",
            "Verify a receipt offline (transfer signature, block signature, Merkle proof, signer); exit 0 when it verifies.")
        {
            file, signer, noProof,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new CliException($"no file at {path}");
            }
            var receipt = ReadReceipt(path);
            var problem = receipt.Verify(parse.GetValue(signer), requireProof: !parse.GetValue(noProof));
            if (problem is not null)
            {
                throw new CliException("receipt does not verify: " + problem);
            }
            var payload = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(receipt.Payload));
            Console.WriteLine($"verified: signed by {receipt.Signer}");
            if (receipt.Block is { } block && receipt.Proof is { } proof)
            {
                var header = BlockHeader.TryDecode(Convert.FromBase64String(block.Header))!;
                Console.WriteLine($"in block {block.Height} (hash {Convert.ToHexStringLower(header.Hash())}), " +
                                  $"leaf {proof.Index} of {proof.Size}, Merkle root {Convert.ToHexStringLower(header.MerkleRoot)}");
            }
            Console.WriteLine(payload);
            return 0;
        });
        return command;
    }

    private static Receipt ReadReceipt(string path)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            if (root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty("receipt", out var inner))
            {
                root = inner;
            }
            if (root.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                throw new CliException($"{path}: the receipt is not a JSON object");
            }
            string Field(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String
                ? v.GetString()!
                : throw new CliException($"{path}: the receipt has no '{name}' string");
            var web = System.Text.Json.JsonSerializerOptions.Web;
            return new Receipt(Field("payload"), Field("signature"), Field("signer"))
            {
                Block = root.TryGetProperty("block", out var b) ? System.Text.Json.JsonSerializer.Deserialize<ReceiptBlock>(b, web) : null,
                Proof = root.TryGetProperty("proof", out var p) ? System.Text.Json.JsonSerializer.Deserialize<MerkleProof>(p, web) : null,
            };
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new CliException($"{path} is not JSON: {ex.Message}");
        }
    }
}

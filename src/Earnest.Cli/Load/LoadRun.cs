using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Earnest.Identity;

namespace Earnest.Cli.Load;

/// <summary>
/// A load run: simulated contributors, each with its own wallet key, sign in, then loop — ask for work, think, answer
/// (right with the configured accuracy), read their payments — against one or more servers, while a simulated
/// requester keeps campaigns published and funded. Every request is timed; the result is JSON plus a PNG chart.
/// </summary>
public sealed class LoadRun : IAsyncDisposable
{
    private readonly LoadSettings _settings;
    private readonly TextWriter _log;
    private readonly List<HttpClient> _clients = [];
    private readonly List<HttpClient> _streamClients = [];
    private readonly string[] _labels;
    private readonly ConcurrentDictionary<string, (int Truth, bool Gold)> _items = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _campaigns = new(StringComparer.Ordinal);
    private readonly LatencyRecorder _lease = new(), _submit = new(), _signIn = new(), _work = new();
    private readonly LatencyRecorder _paidGold = new(), _paidAtSubmission = new(), _paidLater = new();
    private readonly ConcurrentDictionary<string, List<(int Second, long Bytes)>> _memory = new(StringComparer.Ordinal);
    private readonly SecondCounters _submissions, _paid, _errors;
    private long _accepted, _rejected, _pending, _paidNow, _paidAfter, _noWork, _busy;
    private RunClock _clock = new(TimeSpan.Zero, TimeSpan.Zero);
    private Process? _server;
    private string? _ownedData;

    private LoadRun(LoadSettings settings, TextWriter log)
    {
        _settings = settings;
        _log = log;
        _labels = [.. Enumerable.Range(0, settings.Labels).Select(i => "label-" + i)];
        var seconds = (int)Math.Ceiling(settings.Duration.TotalSeconds);
        (_submissions, _paid, _errors) = (new(seconds), new(seconds), new(seconds));
    }

    /// <summary>Runs the load and returns its result (also written to the settings' output, with a chart).</summary>
    public static async Task<LoadResult> RunAsync(LoadSettings settings, TextWriter log, CancellationToken ct)
    {
        await using var run = new LoadRun(settings, log);
        return await run.RunAsync(ct).ConfigureAwait(false);
    }

    private async Task<LoadResult> RunAsync(CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var urls = _settings.Urls.Count > 0 ? _settings.Urls : [await StartEmbeddedServerAsync(ct).ConfigureAwait(false)];
        foreach (var url in urls)
        {
            _clients.Add(NewClient(url, _settings.Connections, TimeSpan.FromSeconds(30)));
            _streamClients.Add(NewClient(url, _settings.SampledStreams + 2, Timeout.InfiniteTimeSpan));
        }

        using var requesterKey = WalletKey.Create();
        // The requester's faucet ids carry its address: a second run against the same server mints afresh instead of
        // colliding with the first run's ids.
        _requesterTag = requesterKey.Address[..12];
        var requester = await SignInAsync(_clients[0], requesterKey, ct).ConfigureAwait(false);
        await PublishCampaignAsync(requester, ct).ConfigureAwait(false);
        await PublishCampaignAsync(requester, ct).ConfigureAwait(false);

        _log.WriteLine($"signing in {_settings.Contributors:N0} contributors…");
        var signIn = Stopwatch.StartNew();
        var contributors = await SignInAllAsync(ct).ConfigureAwait(false);
        var signInSeconds = signIn.Elapsed.TotalSeconds;
        _log.WriteLine($"  {contributors.Count:N0} signed in in {signInSeconds:F1} s");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _clock = new RunClock(_settings.Warmup, _settings.Duration);
        var background = new List<Task>
        {
            KeepCampaignsAsync(requester, stop.Token),
            WatchMemoryAsync(urls, stop.Token),
        };
        background.AddRange(contributors.Where(c => c.Sampled).Select(c => FollowPaymentsAsync(c, stop.Token)));
        var workers = contributors.Select(c => ContributeAsync(c, stop.Token)).ToList();
        _log.WriteLine($"running: {_settings.Warmup.TotalSeconds:N0} s warm-up, {_settings.Duration.TotalSeconds:N0} s measured…");
        await Task.Delay(_settings.Warmup + _settings.Duration, ct).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(workers.Concat(background)).ConfigureAwait(false);

        var result = Result(started, urls, contributors.Count, signInSeconds);
        LoadReport.Write(result, _settings.Output);
        return result;
    }

    private static HttpClient NewClient(string url, int connections, TimeSpan timeout) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        BaseAddress = new Uri(url.TrimEnd('/') + "/"),
        Timeout = timeout,
    };

    // ------------------------------------------------------------------ the embedded server

    /// <summary>Starts <c>earnest serve</c> on a loopback port in a child process, so its memory is its own.</summary>
    private async Task<string> StartEmbeddedServerAsync(CancellationToken ct)
    {
        var data = _settings.Data ?? (_ownedData = Path.Combine(Path.GetTempPath(), "earnest-load-" + Guid.NewGuid().ToString("N")));
        var executable = Environment.ProcessPath!;
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(executable) == "dotnet")
        {
            start.ArgumentList.Add(typeof(LoadRun).Assembly.Location);
        }
        foreach (var a in new[] { "serve", "--data", data, "--urls", "http://127.0.0.1:0", "--requests-per-second", "1000000", "--burst", "1000000" })
        {
            start.ArgumentList.Add(a);
        }
        _server = Process.Start(start) ?? throw new CliException("could not start the embedded server");
        _server.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 })
            {
                _log.WriteLine("server: " + e.Data);
            }
        };
        _server.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (await _server.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false) is { } line)
        {
            const string prefix = "Earnest listening on ";
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                var url = line[prefix.Length..].Trim();
                _log.WriteLine($"embedded server (SQLite) at {url}, data in {data}");
                _ = DrainAsync(_server.StandardOutput);
                return url;
            }
        }
        throw new CliException("the embedded server exited before it listened");
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is not null)
        {
        }
    }

    // ------------------------------------------------------------------ HTTP

    private readonly record struct Answer(int Status, JsonDocument? Body, TimeSpan? RetryAfter) : IDisposable
    {
        public void Dispose() => Body?.Dispose();
    }

    private static async Task<Answer> SendAsync(HttpClient http, HttpMethod method, string path, string? token,
        string? json, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        JsonDocument? body = null;
        if (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true)
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            body = await JsonDocument.ParseAsync(stream, cancellationToken: ct).ConfigureAwait(false);
        }
        return new Answer(status, body, response.Headers.RetryAfter?.Delta);
    }

    private static async Task<JsonElement> RequireAsync(HttpClient http, HttpMethod method, string path, string? token,
        object? body, CancellationToken ct)
    {
        var json = body is null ? null : JsonSerializer.Serialize(body);
        var answer = await SendAsync(http, method, path, token, json, ct).ConfigureAwait(false);
        for (var tries = 1; answer.Status == 503 && answer.RetryAfter is { } after && tries < 30; tries++)
        {
            answer.Dispose(); // A busy server asks to come back: the sign-ins and the requester do.
            await Task.Delay(after, ct).ConfigureAwait(false);
            answer = await SendAsync(http, method, path, token, json, ct).ConfigureAwait(false);
        }
        using var _ = answer;
        if (answer.Status is < 200 or > 299)
        {
            var detail = answer.Body?.RootElement.TryGetProperty("detail", out var d) == true ? d.GetString() : null;
            throw new CliException($"{method} {path} answered {answer.Status}{(detail is null ? "" : ": " + detail)}");
        }
        return answer.Body?.RootElement.Clone() ?? default;
    }

    // ------------------------------------------------------------------ sign-in

    private sealed class Contributor(int index, HttpClient http, HttpClient streams, string token, int seed, bool sampled)
    {
        public int Index { get; } = index;
        public HttpClient Http { get; } = http;
        public HttpClient Streams { get; } = streams;
        public string Token { get; } = token;
        public Random Random { get; } = new(seed);
        public bool Sampled { get; } = sampled;
        public ConcurrentDictionary<string, long> Waiting { get; } = new(StringComparer.Ordinal);
    }

    private static async Task<string> SignInAsync(HttpClient http, WalletKey key, CancellationToken ct)
    {
        using (key)
        {
            var challenge = await RequireAsync(http, HttpMethod.Post, "v1/auth/challenge", null, new { address = key.Address }, ct)
                .ConfigureAwait(false);
            var message = challenge.GetProperty("message").GetString()!;
            var token = await RequireAsync(http, HttpMethod.Post, "v1/auth/token", null,
                new { address = key.Address, message, signature = key.SignText(message) }, ct).ConfigureAwait(false);
            return token.GetProperty("token").GetString()!;
        }
    }

    private async Task<List<Contributor>> SignInAllAsync(CancellationToken ct)
    {
        var contributors = new Contributor[_settings.Contributors];
        var sampleEvery = _settings.SampledStreams == 0 ? int.MaxValue : Math.Max(1, _settings.Contributors / _settings.SampledStreams);
        await Parallel.ForEachAsync(Enumerable.Range(0, _settings.Contributors),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Min(256, _settings.Connections * _clients.Count), CancellationToken = ct },
            async (i, token) =>
            {
                var seed = new byte[32];
                new Random(HashCode.Combine(_settings.Seed, i)).NextBytes(seed);
                var server = i % _clients.Count;
                var begun = RunClock.Now;
                var bearer = await SignInAsync(_clients[server], WalletKey.FromSeed(seed), token).ConfigureAwait(false);
                _signIn.Add(0, RunClock.Milliseconds(begun, RunClock.Now));
                contributors[i] = new Contributor(i, _clients[server], _streamClients[server], bearer,
                    HashCode.Combine(_settings.Seed, i, 7), i % sampleEvery == 0 && i / sampleEvery < _settings.SampledStreams);
            }).ConfigureAwait(false);
        return [.. contributors];
    }

    // ------------------------------------------------------------------ the requester

    private int _campaignNumber;
    private string _requesterTag = "";

    private async Task PublishCampaignAsync(string token, CancellationToken ct)
    {
        var n = Interlocked.Increment(ref _campaignNumber);
        var http = _clients[0];
        var budget = checked(_settings.Reward * _settings.TasksPerCampaign * _settings.Overlap * 2);
        for (var minted = 0L; minted < budget;)
        {
            var amount = Math.Min(budget - minted, 1_000_000_000);
            await RequireAsync(http, HttpMethod.Post, "v1/faucet", token, new { amount, id = $"load-{_requesterTag}-{n}-{minted}" }, ct)
                .ConfigureAwait(false);
            minted += amount;
        }
        var campaign = await RequireAsync(http, HttpMethod.Post, "v1/campaigns", token, new
        {
            title = $"Load campaign {n}", instructions = "Pick the label the item shows.", kind = "classification",
            labels = _labels, reward = _settings.Reward, budget, overlap = _settings.Overlap,
        }, ct).ConfigureAwait(false);
        var id = campaign.GetProperty("id").GetString()!;
        var random = new Random(HashCode.Combine(_settings.Seed, n));
        const int Batch = 5_000;
        for (var from = 0; from < _settings.TasksPerCampaign; from += Batch)
        {
            var tasks = new List<object>();
            for (var i = from; i < Math.Min(_settings.TasksPerCampaign, from + Batch); i++)
            {
                var item = $"c{n}-{i}";
                var truth = random.Next(_labels.Length);
                var gold = random.NextDouble() < _settings.GoldShare;
                _items[item] = (truth, gold);
                tasks.Add(gold
                    ? new { id = "t" + i, data = new { item, text = $"Item {i} of campaign {n}" }, gold = _labels[truth] }
                    : new { id = "t" + i, data = new { item, text = $"Item {i} of campaign {n}" } });
            }
            await RequireAsync(http, HttpMethod.Post, $"v1/campaigns/{id}/tasks", token, new { tasks }, ct).ConfigureAwait(false);
        }
        await RequireAsync(http, HttpMethod.Post, $"v1/campaigns/{id}/publish", token, null, ct).ConfigureAwait(false);
        _campaigns[id] = 0;
    }

    /// <summary>Publishes another campaign whenever less than one campaign's worth of tasks is left.</summary>
    private async Task KeepCampaignsAsync(string token, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var began = RunClock.Now;
                var work = await RequireAsync(_clients[0], HttpMethod.Get, "v1/work", token, null, ct).ConfigureAwait(false);
                _work.Add(_clock.Second, RunClock.Milliseconds(began, RunClock.Now));
                var available = work.EnumerateArray()
                    .Where(c => _campaigns.ContainsKey(c.GetProperty("id").GetString()!))
                    .Sum(c => c.GetProperty("tasksAvailable").GetInt64());
                if (available < _settings.TasksPerCampaign)
                {
                    await PublishCampaignAsync(token, ct).ConfigureAwait(false);
                    continue;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    // ------------------------------------------------------------------ contributors

    private async Task ContributeAsync(Contributor c, CancellationToken ct)
    {
        try
        {
            // Contributors start spread over one think time, not all at the same instant; a run shorter than the
            // think time ends while some are still waiting to start.
            await Pause(ct, _settings.Think * c.Random.NextDouble()).ConfigureAwait(false);
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await ContributeOnceAsync(c, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested
                                           && ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    Failed(_lease, _clock.Second, ex is TaskCanceledException ? "timeout" : "network");
                    await Pause(ct, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ct.IsCancellationRequested
                                   && ex is OperationCanceledException or HttpRequestException or IOException)
        {
            // The run is over, in a pause or a request.
        }
    }

    private async Task ContributeOnceAsync(Contributor c, CancellationToken ct)
    {
        string assignment;
        string item;
        var began = RunClock.Now;
        using (var lease = await SendAsync(c.Http, HttpMethod.Post, "v1/assignments", c.Token, "{}", ct).ConfigureAwait(false))
        {
            var second = _clock.Second;
            if (lease.Status == 503)
            {
                // Shed while the server's queue is long: not an error, and not a lease's latency. Come back after the
                // wait it asks for, spread over as long again so that the refused do not all return at once.
                Count(second, ref _busy);
                var after = lease.RetryAfter ?? TimeSpan.FromSeconds(1);
                await Pause(ct, after * (1 + c.Random.NextDouble())).ConfigureAwait(false);
                return;
            }
            _lease.Add(second, RunClock.Milliseconds(began, RunClock.Now));
            if (lease.Status == 204)
            {
                Interlocked.Increment(ref _noWork);
                await Pause(ct, Exponential(c)).ConfigureAwait(false);
                return;
            }
            if (lease.Status != 201)
            {
                Failed(_lease, second, lease.Status);
                await Pause(ct, lease.RetryAfter ?? TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                return;
            }
            var root = lease.Body!.RootElement;
            assignment = root.GetProperty("id").GetString()!;
            item = root.GetProperty("data").GetProperty("item").GetString()!;
        }
        await Pause(ct, Exponential(c)).ConfigureAwait(false);
        var (truth, gold) = _items[item];
        var label = c.Random.NextDouble() < _settings.Accuracy
            ? truth
            : (truth + 1 + c.Random.Next(_labels.Length - 1)) % _labels.Length;
        began = RunClock.Now;
        using var submit = await SendAsync(c.Http, HttpMethod.Post, $"v1/assignments/{assignment}/submission", c.Token,
            $"{{\"answer\":\"{_labels[label]}\"}}", ct).ConfigureAwait(false);
        var now = _clock.Second;
        var elapsed = RunClock.Milliseconds(began, RunClock.Now);
        _submit.Add(now, elapsed);
        if (submit.Status != 200)
        {
            Failed(_submit, now, submit.Status);
            return;
        }
        var body = submit.Body!.RootElement;
        if (now >= 0)
        {
            _submissions.Increment(now);
        }
        var status = body.GetProperty("status").GetString();
        if (status == "accepted" && body.TryGetProperty("payment", out var payment) && payment.ValueKind == JsonValueKind.Object)
        {
            Count(now, ref _accepted);
            Count(now, ref _paidNow);
            _paid.Increment(now);
            _paidAtSubmission.Add(now, elapsed);
            if (gold)
            {
                _paidGold.Add(now, elapsed);
            }
        }
        else if (status == "rejected")
        {
            Count(now, ref _rejected);
        }
        else
        {
            Count(now, ref _pending);
            if (c.Sampled)
            {
                c.Waiting[body.GetProperty("submissionId").GetString()!] = began;
            }
        }
    }

    private static void Count(int second, ref long counter)
    {
        if (second >= 0)
        {
            Interlocked.Increment(ref counter);
        }
    }

    /// <summary>A failed request, by its reason (an HTTP status, "timeout", "network"), counted in its second.</summary>
    private void Failed(LatencyRecorder recorder, int second, string reason)
    {
        recorder.Error(second, reason);
        _errors.Increment(second);
    }

    private void Failed(LatencyRecorder recorder, int second, int status) =>
        Failed(recorder, second, status.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private TimeSpan Exponential(Contributor c) =>
        _settings.Think * -Math.Log(1 - c.Random.NextDouble());

    private static async Task Pause(CancellationToken ct, TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
    }

    /// <summary>A sampled contributor's event stream: times payments decided after the submission answered.</summary>
    private async Task FollowPaymentsAsync(Contributor c, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "v1/events");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", c.Token);
                using var response = await c.Streams.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
                string? type = null;
                while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
                {
                    if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        type = line[7..];
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal) && type == "payment")
                    {
                        using var data = JsonDocument.Parse(line[6..]);
                        if (data.RootElement.TryGetProperty("ref", out var reference) && reference.GetString() is { } submission
                            && c.Waiting.TryRemove(submission, out var sent))
                        {
                            var second = _clock.Second;
                            _paidLater.Add(second, RunClock.Milliseconds(sent, RunClock.Now));
                            _paid.Increment(second);
                            Count(second, ref _paidAfter);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    // ------------------------------------------------------------------ server memory

    private async Task WatchMemoryAsync(IReadOnlyList<string> urls, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                for (var i = 0; i < urls.Count; i++)
                {
                    try
                    {
                        // On the streams' connection pool: the contributors' pool may be full of queued requests.
                        var health = await RequireAsync(_streamClients[i], HttpMethod.Get, "healthz", null, null, ct).ConfigureAwait(false);
                        _memory.GetOrAdd(urls[i], _ => []).Add((_clock.Second, health.GetProperty("workingSetBytes").GetInt64()));
                    }
                    catch (CliException)
                    {
                    }
                    catch (HttpRequestException)
                    {
                    }
                }
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    // ------------------------------------------------------------------ the result

    private LoadResult Result(DateTimeOffset started, IReadOnlyList<string> urls, int contributors, double signInSeconds)
    {
        var seconds = _settings.Duration.TotalSeconds;
        var submissions = _submissions.Total;
        var memory = _memory.Select(m =>
        {
            var window = m.Value.Where(x => x.Second >= 0).ToList();
            var measured = window.Select(x => x.Bytes).ToList();
            var all = m.Value.Select(x => x.Bytes).ToList();
            var half = measured.Count / 2;
            return new ServerMemoryView(m.Key, all.FirstOrDefault(), all.DefaultIfEmpty().Max(), all.LastOrDefault(),
                half == 0 ? 0 : measured.Take(half).Average(), half == 0 ? 0 : measured.Skip(half).Average(),
                MemoryTrend.OfSecondHalf(window));
        }).ToList();
        var timeline = Enumerable.Range(0, (int)Math.Ceiling(seconds)).Select(s =>
        {
            var lease = _lease.Second(s);
            var submit = _submit.Second(s);
            var bytes = _memory.Values.SelectMany(v => v).Where(x => x.Second == s).Select(x => (long?)x.Bytes).Sum();
            return new TimelineSecond(s, _submissions[s], _paid[s], _errors[s], lease.P50, submit.P50, submit.P99, bytes);
        }).ToList();
        return new LoadResult(
            started,
            new LoadSettingsView(urls, _settings.Urls.Count == 0, _settings.Contributors, seconds,
                _settings.Warmup.TotalSeconds, _settings.Think.TotalMilliseconds, _settings.Accuracy, _settings.Labels,
                _settings.GoldShare, _settings.TasksPerCampaign, _settings.Overlap, _settings.Reward, _settings.Seed,
                _settings.Connections, _settings.SampledStreams),
            new MachineView(Environment.ProcessorCount, System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription),
            new SignInView(contributors, Math.Round(signInSeconds, 2), Math.Round(contributors / signInSeconds, 1), _signIn.Summary()),
            new MeasuredView(seconds, submissions, Math.Round(submissions / seconds, 1), _accepted, _rejected, _pending,
                _paidNow, _paidAfter, Math.Round(_paid.Total / seconds, 1), _errors.Total, _noWork, _busy, _campaigns.Count),
            new Dictionary<string, LatencySummary>
            {
                ["lease"] = _lease.Summary(), ["submit"] = _submit.Summary(), ["work"] = _work.Summary(),
            },
            new Dictionary<string, LatencySummary>
            {
                ["gold"] = _paidGold.Summary(), ["atSubmission"] = _paidAtSubmission.Summary(), ["later"] = _paidLater.Summary(),
            },
            memory, timeline);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Concat(_streamClients))
        {
            client.Dispose();
        }
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync().ConfigureAwait(false);
        }
        _server?.Dispose();
        if (_ownedData is not null && Directory.Exists(_ownedData))
        {
            Directory.Delete(_ownedData, recursive: true);
        }
    }
}

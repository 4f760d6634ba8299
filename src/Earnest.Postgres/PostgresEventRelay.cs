using System.Text.Json;
using System.Threading.Channels;
using Npgsql;

namespace Earnest.Postgres;

/// <summary>
/// Carries events between the servers that share one PostgreSQL database, so a contributor hears of a payment
/// whichever server it is connected to: each event a server publishes is sent with NOTIFY on one channel, and every
/// server LISTENs there and delivers what other servers sent to its own subscribers. A notification travels only
/// after the commit that caused it (events are published after commits), and PostgreSQL delivers notifications in
/// commit order. Both loops reconnect after a lost connection; events of that moment are lost, as when a reader
/// falls behind (clients re-read their transfers on reconnection).
/// </summary>
public sealed class PostgresEventRelay : IAsyncDisposable
{
    /// <summary>The NOTIFY channel.</summary>
    public const string ChannelName = "earnest_events";

    /// <summary>PostgreSQL's limit on a notification's payload is 8,000 bytes; larger events stay local.</summary>
    public const int MaxPayloadBytes = 7_900;

    private readonly string _origin = Guid.NewGuid().ToString("N");
    private readonly NpgsqlDataSource _source;
    private readonly EventHub _hub;
    private readonly JsonSerializerOptions _json;
    private readonly Channel<string> _outgoing = Channel.CreateBounded<string>(
        new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sender;
    private readonly Task _listener;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PostgresEventRelay(string connectionString, EventHub hub, JsonSerializerOptions json)
    {
        _source = NpgsqlDataSource.Create(connectionString);
        _hub = hub;
        _json = json;
        hub.Forward = Send;
        _sender = Task.Run(SendLoopAsync);
        _listener = Task.Run(ListenLoopAsync);
    }

    /// <summary>Relays the hub's events through the database; completes once this server listens.</summary>
    public static async Task<PostgresEventRelay> StartAsync(PostgresDatabase database, EventHub hub, JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(database);
        var relay = new PostgresEventRelay(database.ConnectionString, hub, json);
        await relay._listening.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return relay;
    }

    private sealed record Envelope(string O, string A, string T, JsonElement D);

    private void Send(string account, MarketEvent e)
    {
        var payload = JsonSerializer.Serialize(new Envelope(_origin, account, e.Type,
            JsonSerializer.SerializeToElement(e.Data, e.Data.GetType(), _json)), _json);
        if (System.Text.Encoding.UTF8.GetByteCount(payload) <= MaxPayloadBytes)
        {
            _outgoing.Writer.TryWrite(payload);
        }
    }

    private async Task SendLoopAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _source.OpenConnectionAsync(ct).ConfigureAwait(false);
                while (await _outgoing.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
                {
                    // Every waiting event in one round trip.
                    var batch = new List<string>();
                    while (batch.Count < 500 && _outgoing.Reader.TryRead(out var payload))
                    {
                        batch.Add(payload);
                    }
                    await using var command = new NpgsqlCommand(
                        $"SELECT pg_notify('{ChannelName}', p) FROM unnest(@payloads) AS p", connection);
                    command.Parameters.AddWithValue("payloads", batch.ToArray());
                    await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            }
        }
    }

    private async Task ListenLoopAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _source.OpenConnectionAsync(ct).ConfigureAwait(false);
                connection.Notification += (_, n) => Receive(n.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {ChannelName}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                _listening.TrySetResult();
                while (!ct.IsCancellationRequested)
                {
                    await connection.WaitAsync(ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            }
        }
    }

    private void Receive(string payload)
    {
        Envelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope>(payload, _json);
        }
        catch (JsonException)
        {
            return;
        }
        if (envelope is not null && envelope.O != _origin)
        {
            _hub.Deliver(envelope.A, new MarketEvent(envelope.T, envelope.D));
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _hub.Forward = null;
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_sender, _listener).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        await _source.DisposeAsync().ConfigureAwait(false);
    }
}

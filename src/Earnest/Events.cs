using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Earnest;

/// <summary>Something a signed-in party should learn of at once: a payment, a decision, a campaign change.</summary>
/// <param name="Type">payment, decision or campaign.</param>
/// <param name="Data">The event's body, serialized as JSON.</param>
public sealed record MarketEvent(string Type, object Data);

/// <summary>
/// Delivers events to the subscribers of an account (each open event stream). Events are published after the commit
/// that caused them. Each subscription holds a bounded queue; a reader too slow to keep up loses the oldest events,
/// never blocks the market (it can always re-read its transfers).
/// </summary>
public sealed class EventHub
{
    /// <summary>Events a subscription holds before the oldest are dropped.</summary>
    public const int QueueCapacity = 1024;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<MarketEvent>, byte>> _subscribers =
        new(StringComparer.Ordinal);

    /// <summary>Starts receiving the account's events; dispose the subscription to stop.</summary>
    public Subscription Subscribe(string account)
    {
        var channel = Channel.CreateBounded<MarketEvent>(new BoundedChannelOptions(QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        _subscribers.GetOrAdd(account, _ => new()).TryAdd(channel, 0);
        return new Subscription(channel.Reader, () =>
        {
            if (_subscribers.TryGetValue(account, out var set))
            {
                set.TryRemove(channel, out _);
            }
            channel.Writer.TryComplete();
        });
    }

    /// <summary>
    /// Where events published here also go, for the other servers sharing the store (set once at start-up by a
    /// shared store's relay); null for a lone server.
    /// </summary>
    public Action<string, MarketEvent>? Forward { get; set; }

    /// <summary>
    /// True when an event for the account would reach anyone: a subscription here, or other servers to forward it to.
    /// A publisher skips making an event nobody hears (a payment's event carries a signed receipt).
    /// </summary>
    public bool Heard(string account) =>
        Forward is not null || (_subscribers.TryGetValue(account, out var set) && !set.IsEmpty);

    /// <summary>Sends an event to every subscription of the account, here and (through <see cref="Forward"/>) on the
    /// other servers.</summary>
    public void Publish(string account, MarketEvent marketEvent)
    {
        Deliver(account, marketEvent);
        Forward?.Invoke(account, marketEvent);
    }

    /// <summary>Sends an event to this server's subscriptions of the account only (an event another server relayed).</summary>
    public void Deliver(string account, MarketEvent marketEvent)
    {
        if (_subscribers.TryGetValue(account, out var set))
        {
            foreach (var channel in set.Keys)
            {
                channel.Writer.TryWrite(marketEvent);
            }
        }
    }
}

/// <summary>A stream of one account's events.</summary>
public sealed class Subscription(ChannelReader<MarketEvent> reader, Action unsubscribe) : IDisposable
{
    /// <summary>The events, in order.</summary>
    public ChannelReader<MarketEvent> Reader { get; } = reader;

    /// <inheritdoc />
    public void Dispose() => unsubscribe();
}

using Earnest.Settlement;

namespace Earnest.Server.Settlement;

/// <summary>
/// The server's settler loop: runs <see cref="Settler.RunOnceAsync"/> at once and then every
/// <see cref="SettlementOptions.Interval"/> on the node's clock, logging what each run did and the steps that failed
/// (the next run tries them again). One run at a time; a stopping server ends the loop between runs or mid-call.
/// </summary>
public sealed partial class SettlementService(Settler settler, Node node, ILogger<SettlementService> logger) : BackgroundService
{
    /// <summary>Called after each run (tests wait on it instead of sleeping).</summary>
    public event Action<SettlementRun>? RunCompleted;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(node.Options.Settlement.Interval, node.Time);
        do
        {
            SettlementRun run;
            try
            {
                run = await settler.RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The store failed under the run: what committed is consistent, the rest is done by the next run.
                LogRunFailed(logger, e);
                continue;
            }
            foreach (var problem in run.Problems)
            {
                LogProblem(logger, problem);
            }
            if (run.Sent.Transactions + run.Confirmed.Final + run.Confirmed.Returned + run.Confirmed.Requeued +
                run.Deposits.Credited + run.Anchors.Sent + run.Anchors.Final > 0)
            {
                LogRun(logger, run.Sent.Transactions, run.Sent.Withdrawals, run.Confirmed.Final, run.Confirmed.Returned,
                    run.Confirmed.Requeued, run.Deposits.Credited, run.Anchors.Sent, run.Anchors.Final);
            }
            foreach (var unattributed in run.Deposits.Unattributed)
            {
                LogUnattributed(logger, unattributed);
            }
            RunCompleted?.Invoke(run);
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information,
        Message = "Settlement: sent {Transactions} transactions ({Withdrawals} withdrawals); {Final} final, {Returned} returned, {Requeued} to send again; {Deposits} deposits credited; {AnchorsSent} anchors sent, {AnchorsFinal} final")]
    private static partial void LogRun(ILogger logger, int transactions, int withdrawals, int final, int returned, int requeued,
        int deposits, int anchorsSent, int anchorsFinal);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Settlement step failed (tried again next run): {Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Settlement run failed (tried again next run)")]
    private static partial void LogRunFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning,
        Message = "Settlement: tokens received without a deposit reference, not credited: {Detail}")]
    private static partial void LogUnattributed(ILogger logger, string detail);
}

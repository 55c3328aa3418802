namespace Statehouse.Worker.Replication;

/// <summary>
/// What <see cref="LogCursor.Read"/> decided for one record: the <see cref="Step"/>, and for a marker its id, epoch and
/// validity, for a refusal the reason (one sentence, without the repair advice the worker adds).
/// </summary>
internal readonly record struct LogVerdict(LogStep Step, string? Reason = null, Guid MarkerId = default, long Epoch = 0, bool MarkerValid = false)
{
    public static LogVerdict Apply { get; } = new(LogStep.Apply);

    public static LogVerdict Skip { get; } = new(LogStep.Skip);

    public static LogVerdict Ahead { get; } = new(LogStep.Ahead);

    public static LogVerdict Marker(Guid markerId, long epoch, bool valid) => new(LogStep.MarkerSeen, MarkerId: markerId, Epoch: epoch, MarkerValid: valid);

    public static LogVerdict Refuse(string reason) => new(LogStep.Refuse, Reason: reason);
}

namespace Statehouse.Worker.Tests.Messaging;

/// <summary>
/// One thing the commit loop did, in order: <c>write</c> (the engine applied a group, its synced write if it had
/// anything to write returned; <see cref="Id"/> lists its message ids), <c>recover</c>, and on a settlement <c>dead-letter</c>, <c>declare</c>, <c>reply</c>, <c>announce</c>,
/// <c>ack</c>, <c>requeue</c>. <see cref="Detail"/>: why a dead-letter copy failed, or a reply's error code.
/// </summary>
internal sealed record LoopEvent(
    string Action, RecordingSettlement? On = null, ulong Tag = 0, bool Multiple = false, string? Id = null, string? Detail = null)
{
    /// <summary>For example <c>ack@A 3+</c> (a multiple ack of tag 3 on session A), <c>reply@A tx-1</c>, <c>write tx-1,tx-2</c>; without the detail.</summary>
    public override string ToString() =>
        $"{Action}{(On is null ? "" : "@" + On.Name)}{(Tag == 0 ? "" : $" {Tag}{(Multiple ? "+" : "")}")}{(Id is null ? "" : " " + Id)}";
}

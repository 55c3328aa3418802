namespace Statehouse.Worker.Replication;

/// <summary>What a <see cref="LogRecord"/> is.</summary>
internal enum LogRecordKind
{
    /// <summary>One committed group: its changes, under its writer's epoch, with its seq.</summary>
    Group = 1,

    /// <summary>An epoch marker: a worker that became active claims a higher epoch before applying anything.</summary>
    Marker = 2,
}

namespace Statehouse.Soak.Faults;

/// <summary>The faults of a replicated soak (<c>--faults</c>), by their command-line names.</summary>
internal enum FaultKind
{
    /// <summary><c>machine-loss</c>: SIGKILL the primary and delete its store; later it starts again on an empty directory.</summary>
    MachineLoss,

    /// <summary><c>node-loss</c>: SIGKILL the broker node leading the commit queue or the log; later restart it.</summary>
    NodeLoss,

    /// <summary><c>zombie</c>: SIGSTOP the primary until a replica took over and committed, then SIGCONT it.</summary>
    Zombie,
}

namespace Statehouse.Examples.AgentWorkflow;

/// <summary>What the example exits with; each failure a script may want to tell apart has its own code.</summary>
internal static class ExitCodes
{
    /// <summary>The workflow finished (or had finished before) and its checkpoint chain is linear.</summary>
    public const int Done = 0;

    /// <summary>Anything else that stopped the run, with the reason on standard error.</summary>
    public const int Failed = 1;

    /// <summary>A bad argument (System.CommandLine's own parse errors exit with this too).</summary>
    public const int Usage = 2;

    /// <summary>The broker cannot be reached.</summary>
    public const int Unavailable = 3;

    /// <summary>The Statehouse worker did not answer in time.</summary>
    public const int Timeout = 4;

    /// <summary>
    /// Another process checkpointed the same session first (<c>StatehouseCheckpointConflictException</c>): this process's
    /// checkpoint was not saved and it stopped; the session's chain stays linear.
    /// </summary>
    public const int CheckpointConflict = 5;
}

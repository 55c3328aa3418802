namespace Statehouse.Cli.Hosting;

/// <summary>The process exit codes of every command (documented in docs/cli.md).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The key, version or dead letter asked for does not exist.</summary>
    public const int NotFound = 1;

    /// <summary>The command line, or an input file or value, is malformed.</summary>
    public const int Usage = 2;

    /// <summary>
    /// The broker or the worker cannot be reached, did not answer in time, or the worker is unhealthy or has not caught
    /// up to the read's min_commit_ts (NOT_CAUGHT_UP).
    /// </summary>
    public const int Unavailable = 3;

    /// <summary>The worker rejected the request (CONFLICT, INVALID_REQUEST, TXN_EXPIRED, ...).</summary>
    public const int Rejected = 4;

    /// <summary>A local store the command would change is in use: a running worker holds its lock (<c>reseed</c>).</summary>
    public const int StoreInUse = 5;

    /// <summary>
    /// The read asked for history that the worker's retention pruned (HISTORY_PRUNED: <c>get --version</c>/<c>--as-of</c>,
    /// <c>replay</c>, <c>tail --from</c> below the namespace's history horizon); the message names the horizon.
    /// </summary>
    public const int HistoryPruned = 6;

    /// <summary>An unexpected exception: a bug in the CLI, reported with its stack trace.</summary>
    public const int InternalError = 70;

    /// <summary>Interrupted by Ctrl-C or SIGTERM before the command finished (a following tail exits 0 instead).</summary>
    public const int Interrupted = 130;
}

namespace Statehouse.Contracts;

/// <summary>
/// Fixed text at the start of the worker's log lines that other programs wait for: the tests, the soak and the bench
/// read the worker's output for them. The worker writes its lines with these constants, so they cannot drift apart.
/// </summary>
public static class WorkerLogMarkers
{
    /// <summary>
    /// Starts the line the worker logs once it recovered its store and consumes the commit queue, e.g.
    /// <c>Statehouse worker ready: consuming &lt;prefix&gt;.commit, store /data, last commit_ts 42</c>.
    /// </summary>
    public const string Ready = "Statehouse worker ready";
}

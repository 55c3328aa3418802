namespace Statehouse.Bench.Results;

/// <summary>The modes of a run, by the names the command line and the JSON use.</summary>
internal static class ModeNames
{
    public const string Echo = "echo";
    public const string Commit = "commit";
    public const string CommitBatch1 = "commit-batch1";
    public const string Postgres = "postgres";

    /// <summary>Not a mode of its own: runs <see cref="CommitHalf"/> and <see cref="EchoHalf"/> (and <see cref="Commit"/> first if needed).</summary>
    public const string HalfLoad = "half-load";
    public const string CommitHalf = "commit-half";
    public const string EchoHalf = "echo-half";

    /// <summary>A primary and one replica, each with its own store, <c>Statehouse:Replication:Enabled</c>: for a cluster.</summary>
    public const string CommitReplicated = "commit-replicated";

    /// <summary>The modes a run makes when none are named (one broker).</summary>
    public static readonly IReadOnlyList<string> Standard = [Echo, Commit, CommitBatch1, Postgres, HalfLoad];

    /// <summary>Every mode <c>--modes</c> accepts.</summary>
    public static readonly IReadOnlyList<string> Known = [.. Standard, CommitReplicated];

    /// <summary>The modes of the replication comparison (<c>scripts/bench.sh replication</c>), on a 3-node cluster.</summary>
    public static readonly IReadOnlyList<string> Replication = [Commit, CommitReplicated];

    public static string Title(string mode) => mode switch
    {
        Echo => "echo (broker ceiling)",
        Commit => "commit, group commit",
        CommitBatch1 => "commit, batch size 1",
        Postgres => "PostgreSQL",
        CommitHalf => "commit at 50% load",
        EchoHalf => "echo at 50% load",
        CommitReplicated => "commit, replicated (primary + replica)",
        _ => mode,
    };
}

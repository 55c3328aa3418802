namespace Statehouse.Soak.Checking;

/// <summary>What the checker found: a count per invariant and a readable line per violation.</summary>
internal sealed class CheckReport
{
    private readonly Dictionary<ViolationKind, int> _counts = Enum.GetValues<ViolationKind>().ToDictionary(k => k, _ => 0);
    private readonly List<string> _violations = [];

    public long MaxCommitTs { get; init; }

    /// <summary>Transactions whose client gave up (in doubt) that the store nevertheless shows (whole and once).</summary>
    public int InDoubtApplied { get; set; }

    public IReadOnlyList<string> Violations => _violations;

    public bool Passed => _violations.Count == 0;

    public int Count(ViolationKind kind) => _counts[kind];

    public void Add(ViolationKind kind, string message)
    {
        _counts[kind]++;
        _violations.Add($"{Name(kind)}: {message}");
    }

    /// <summary>The counter's name in the summary line.</summary>
    public static string Name(ViolationKind kind) => kind switch
    {
        ViolationKind.Lost => "lost",
        ViolationKind.Partial => "partial",
        ViolationKind.Duplicate => "duplicate",
        ViolationKind.Gaps => "gaps",
        ViolationKind.ReplayMismatch => "replay_mismatch",
        ViolationKind.Phantom => "phantom",
        ViolationKind.StoreMismatch => "store_mismatch",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}

using System.Diagnostics.CodeAnalysis;

namespace Statehouse.Soak.Faults;

/// <summary>The command-line and summary names of <see cref="FaultKind"/>.</summary>
internal static class FaultNames
{
    public static IReadOnlyList<FaultKind> All { get; } = Enum.GetValues<FaultKind>();

    /// <summary><c>machine-loss</c>, <c>node-loss</c>, <c>zombie</c>.</summary>
    public static string Name(FaultKind kind) => kind switch
    {
        FaultKind.MachineLoss => "machine-loss",
        FaultKind.NodeLoss => "node-loss",
        FaultKind.Zombie => "zombie",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The counter's name in the summary line: <c>machine_loss</c>, <c>node_loss</c>, <c>zombie</c>.</summary>
    public static string Counter(FaultKind kind) => Name(kind).Replace('-', '_');

    /// <summary>A comma-separated list of names, each at most once.</summary>
    public static bool TryParse(string text, out IReadOnlyList<FaultKind> kinds, [NotNullWhen(false)] out string? error)
    {
        var parsed = new List<FaultKind>();
        error = null;
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kind = All.Where(k => Name(k) == item).Select(k => (FaultKind?)k).FirstOrDefault();
            if (kind is null)
            {
                error = $"--faults: unknown fault '{item}'; faults: {string.Join(", ", All.Select(Name))}";
                break;
            }

            if (!parsed.Contains(kind.Value))
            {
                parsed.Add(kind.Value);
            }
        }

        kinds = parsed;
        return error is null;
    }
}

using System.Globalization;

namespace Statehouse.Examples.ResearchAgent.Tools;

/// <summary>
/// The agent's tools, by name. Every tool is deterministic — the same input gives the same output — so a run that
/// is resumed ends with exactly the answer an uninterrupted run gives.
/// </summary>
internal static class Toolbox
{
    public const string Calculator = "calculator";
    public const string Units = "units";
    public const string Notes = "notes";
    public const string Answer = "answer";

    /// <exception cref="ToolException">The tool cannot handle <paramref name="input"/>.</exception>
    public static string Run(string tool, string input) => tool switch
    {
        Calculator => Format(Tools.Calculator.Evaluate(input)),
        Units => Format(UnitConverter.Convert(input)),

        // Notes keep what the answer must mention; the answer step composes the final text from earlier outputs.
        Notes or Answer => input.Trim(),
        _ => throw new ToolException($"unknown tool '{tool}'"),
    };

    /// <summary>Plain invariant digits without trailing zeros: 3652.50 → "3652.5".</summary>
    private static string Format(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);
}

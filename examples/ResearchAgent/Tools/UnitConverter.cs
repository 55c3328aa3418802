using System.Globalization;
using System.Text.RegularExpressions;

namespace Statehouse.Examples.ResearchAgent.Tools;

/// <summary>
/// The unit converter tool: <c>"10 years in days"</c> → 3652.5. Time and length units, each defined by its size in the
/// dimension's base unit; a year is a Julian year of 365.25 days.
/// </summary>
internal static partial class UnitConverter
{
    private static readonly Dictionary<string, (string Dimension, decimal Size)> s_units = new(StringComparer.OrdinalIgnoreCase)
    {
        ["second"] = ("time", 1m),
        ["minute"] = ("time", 60m),
        ["hour"] = ("time", 3_600m),
        ["day"] = ("time", 86_400m),
        ["week"] = ("time", 604_800m),
        ["year"] = ("time", 31_557_600m),
        ["meter"] = ("length", 1m),
        ["kilometer"] = ("length", 1_000m),
        ["foot"] = ("length", 0.3048m),
        ["feet"] = ("length", 0.3048m),
        ["mile"] = ("length", 1_609.344m),
    };

    /// <exception cref="ToolException">The input is not "&lt;number&gt; &lt;unit&gt; in &lt;unit&gt;" with known, compatible units.</exception>
    public static decimal Convert(string input)
    {
        var match = ConversionPattern().Match(input);
        if (!match.Success)
        {
            throw new ToolException($"cannot convert '{input}': write it as '<number> <unit> in <unit>', e.g. '10 years in days'");
        }

        var amount = decimal.Parse(match.Groups["amount"].ValueSpan, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        var from = Unit(match.Groups["from"].Value);
        var to = Unit(match.Groups["to"].Value);
        if (from.Dimension != to.Dimension)
        {
            throw new ToolException($"cannot convert '{input}': {from.Dimension} and {to.Dimension} do not mix");
        }

        return amount * from.Size / to.Size;
    }

    private static (string Dimension, decimal Size) Unit(string name)
    {
        if (s_units.TryGetValue(name, out var unit) || (name.EndsWith('s') && s_units.TryGetValue(name[..^1], out unit)))
        {
            return unit;
        }

        throw new ToolException($"unknown unit '{name}'; known: {string.Join(", ", s_units.Keys)}");
    }

    [GeneratedRegex(@"^\s*(?<amount>\d+(\.\d+)?)\s*(?<from>[a-z]+)\s+(in|to)\s+(?<to>[a-z]+)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConversionPattern();
}

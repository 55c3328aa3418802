using System.Text.RegularExpressions;
using Statehouse.Examples.ResearchAgent.State;
using Statehouse.Examples.ResearchAgent.Tools;

namespace Statehouse.Examples.ResearchAgent;

/// <summary>
/// A deliberately tiny planner: it understands one shape of question ("... of 1000 at 5% over 10 years ...") and
/// turns it into a fixed list of tool steps. A real agent would ask a model for the plan; what matters here is that
/// the plan is stored once, so a resumed run follows the very same plan.
/// </summary>
internal static partial class Planner
{
    public const string DefaultQuestion = "What is the compound growth of 1000 at 5% over 10 years, and how many days is that?";

    public const string Understands = "questions like \"" + DefaultQuestion + "\"";

    /// <summary>The plan for <paramref name="question"/>, or null when the planner does not understand it.</summary>
    public static ResearchPlan? Plan(string question)
    {
        var match = QuestionPattern().Match(question);
        if (!match.Success)
        {
            return null;
        }

        var amount = match.Groups["amount"].Value;
        var rate = match.Groups["rate"].Value;
        var years = match.Groups["years"].Value;
        var period = $"{years} {match.Groups["unit"].Value}";
        return new ResearchPlan(question,
        [
            new(1, Toolbox.Calculator, $"round({amount} * (1 + {rate}%) ^ {years}, 2)", $"value of {amount} after {period} at {rate}% a year"),
            new(2, Toolbox.Calculator, $"{{1}} - {amount}", "growth over the period"),
            new(3, Toolbox.Units, $"{period} in days", "the period in days"),
            new(4, Toolbox.Notes, "compounded once a year; a year is 365.25 days", "record the assumptions"),
            new(5, Toolbox.Answer, $"{amount} at {rate}% a year for {period} grows to {{1}}, a growth of {{2}}. {period} is {{3}} days ({{4}}).", "compose the answer"),
        ]);
    }

    [GeneratedRegex(
        @"of\s+(?<amount>\d+(\.\d+)?)\s+at\s+(?<rate>\d+(\.\d+)?)\s*(%|percent)\s+(over|for|in)\s+(?<years>\d+)\s+(?<unit>years?)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QuestionPattern();
}

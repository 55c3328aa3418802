using System.Text.RegularExpressions;

namespace Statehouse.Examples.ResearchAgent.State;

/// <summary>
/// One step of the plan: which tool to run on which input. <c>{n}</c> in <see cref="Input"/> stands for the output
/// of step n, filled in when the step runs (after a resume, from the outputs stored in Statehouse).
/// Public, as every stored value: the client's default serializer writes public types as maps by property name.
/// </summary>
public sealed partial record PlannedStep(int Number, string Tool, string Input, string Purpose)
{
    /// <summary><see cref="Input"/> with every <c>{n}</c> replaced by the output of step n.</summary>
    public string ResolveInput(IReadOnlyDictionary<int, string> outputs) => StepReference().Replace(
        Input,
        m => outputs.TryGetValue(int.Parse(m.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture), out var output)
            ? output
            : throw new InvalidOperationException($"step {Number} needs the output of step {m.Groups[1].Value}, which has not run"));

    [GeneratedRegex(@"\{(\d+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex StepReference();
}

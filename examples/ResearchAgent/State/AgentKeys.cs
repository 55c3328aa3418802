using System.Globalization;

namespace Statehouse.Examples.ResearchAgent.State;

/// <summary>Where a run keeps its state: one Statehouse agent per run, a handful of keys.</summary>
internal static class AgentKeys
{
    public const string Plan = "plan";
    public const string Progress = "progress";
    public const string Answer = "answer";
    public const string StepPrefix = "step:";

    public static string AgentId(string runId) => "research-" + runId;

    public static string Step(int number) => StepPrefix + number.ToString(CultureInfo.InvariantCulture);
}

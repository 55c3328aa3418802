namespace Statehouse.Examples.ResearchAgent.State;

/// <summary>The value of the <c>plan</c> key: the question and the steps that answer it, in order (numbered from 1).</summary>
public sealed record ResearchPlan(string Question, IReadOnlyList<PlannedStep> Steps);

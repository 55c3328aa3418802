namespace Statehouse.Examples.ResearchAgent.State;

/// <summary>The value of a <c>step:n</c> key: what a finished step did — committed together with <see cref="Progress"/>.</summary>
public sealed record StepRecord(int Number, string Tool, string Purpose, string Input, string Output);

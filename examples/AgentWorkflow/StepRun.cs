namespace Statehouse.Examples.AgentWorkflow;

/// <summary>
/// The value of a <c>step:NN</c> key of the steps agent (<see cref="StepJournal"/>): which executor ran step
/// <paramref name="Step"/>, what it produced, and the process that ran it. The key's version counts the runs.
/// </summary>
public sealed record StepRun(int Step, string Executor, string Output, int ProcessId);

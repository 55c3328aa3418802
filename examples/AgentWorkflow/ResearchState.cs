namespace Statehouse.Examples.AgentWorkflow;

/// <summary>
/// The message passed along the workflow (plan → research → … → answer), and so part of every checkpoint: the
/// question, the planned topics, and the findings of the topics researched so far (<c>Findings[i]</c> is about
/// <c>Topics[i]</c>). Plain JSON-serializable data, because the framework stores queued messages as JSON.
/// </summary>
public sealed record ResearchState(string Question, IReadOnlyList<string> Topics, IReadOnlyList<string> Findings)
{
    /// <summary>Whether every topic has a finding: the next stop is the answer.</summary>
    public bool IsResearched => Findings.Count >= Topics.Count;

    /// <summary>Steps of the whole workflow: the plan, one per topic, the answer.</summary>
    public int StepCount => Topics.Count + 2;
}

using System.Collections.Concurrent;
using Microsoft.Agents.AI.Workflows;

namespace Statehouse.AgentFramework.Tests.Infrastructure;

/// <summary>
/// plan → research → answer, one superstep each (so one checkpoint each), counting how often each step ran. The answer
/// is a pure function of the question, so a resumed run's output can be compared with an uninterrupted one's.
/// </summary>
internal sealed class ThreeStepWorkflow
{
    private readonly ConcurrentDictionary<string, int> _runs = new(StringComparer.Ordinal);

    public ThreeStepWorkflow()
    {
        var plan = ExecutorBindingExtensions.BindAsExecutor<string, string>(question => Step("plan", $"plan({question})"), "plan");
        var research = ExecutorBindingExtensions.BindAsExecutor<string, string>(planned => Step("research", $"research({planned})"), "research");
        var answer = ExecutorBindingExtensions.BindAsExecutor<string, string>(found => Step("answer", $"answer({found})"), "answer");
        Workflow = new WorkflowBuilder(plan)
            .AddEdge(plan, research)
            .AddEdge(research, answer)
            .WithOutputFrom(answer)
            .Build();
    }

    public Workflow Workflow { get; }

    /// <summary>How often each step ran in this process.</summary>
    public int RunsOf(string step) => _runs.TryGetValue(step, out var count) ? count : 0;

    public static string ExpectedAnswer(string question) => $"answer(research(plan({question})))";

    private string Step(string name, string result)
    {
        _runs.AddOrUpdate(name, 1, (_, count) => count + 1);
        return result;
    }
}

using Microsoft.Agents.AI;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.AI;

namespace Statehouse.Examples.AgentWorkflow;

/// <summary>
/// The workflow: <c>plan</c> (a question → the topics to research) → <c>research</c> (one topic per superstep, sending
/// the updated <see cref="ResearchState"/> to itself until every topic has a finding) → <c>answer</c> (the findings →
/// the answer, the workflow's output). Each executor asks its own chat agent (<see cref="ChatClientAgent"/> over the
/// given <see cref="IChatClient"/>) and records its step in the <see cref="StepJournal"/>. One executor runs per
/// superstep, so step N is superstep N and checkpoint N.
/// </summary>
internal static class ResearchWorkflow
{
    public const string PlanId = "plan";
    public const string ResearchId = "research";
    public const string AnswerId = "answer";

    /// <summary>A new workflow instance (the framework lets one instance serve one run at a time).</summary>
    public static Workflow Build(IChatClient chatClient, StepJournal journal)
    {
        var planner = chatClient.AsAIAgent(name: "planner", instructions: "List the topics to research for the question, one per line.");
        var researcher = chatClient.AsAIAgent(name: "researcher", instructions: "Give the key fact about the topic in one sentence.");
        var writer = chatClient.AsAIAgent(name: "writer", instructions: "Answer the question from the findings.");

        ExecutorBinding plan = new FunctionExecutor<string, ResearchState>(PlanId, async (question, _, ct) =>
        {
            var reply = await planner.RunAsync(ScriptedChatClient.PlanPrefix + question, cancellationToken: ct);
            var topics = reply.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var state = new ResearchState(question, topics, []);
            await journal.RecordAsync(1, state.StepCount, PlanId, $"{topics.Length} topics: {string.Join(", ", topics)}", reply.Text, ct);
            return state;
        });

        ExecutorBinding research = new FunctionExecutor<ResearchState, ResearchState>(ResearchId, async (state, _, ct) =>
        {
            var topic = state.Topics[state.Findings.Count];
            var reply = await researcher.RunAsync(ScriptedChatClient.ResearchPrefix + topic, cancellationToken: ct);
            var step = state.Findings.Count + 2;
            await journal.RecordAsync(step, state.StepCount, ResearchId, $"{topic}: {reply.Text}", reply.Text, ct);
            return state with { Findings = [.. state.Findings, reply.Text] };
        });

        ExecutorBinding answer = new FunctionExecutor<ResearchState, string>(AnswerId, async (state, _, ct) =>
        {
            var prompt = ScriptedChatClient.AnswerPrefix + state.Question + "\n" +
                string.Join("\n", state.Findings.Select(f => ScriptedChatClient.FindingPrefix + f));
            var reply = await writer.RunAsync(prompt, cancellationToken: ct);
            await journal.RecordAsync(state.StepCount, state.StepCount, AnswerId, $"{reply.Text.Length} characters", reply.Text, ct);
            return reply.Text;
        });

        return new WorkflowBuilder(plan)
            .WithName("plan-research-answer")
            .AddEdge(plan, research)
            .AddEdge<ResearchState>(research, research, state => state is { IsResearched: false })
            .AddEdge<ResearchState>(research, answer, state => state is { IsResearched: true })
            .WithOutputFrom(answer)
            .Build();
    }
}

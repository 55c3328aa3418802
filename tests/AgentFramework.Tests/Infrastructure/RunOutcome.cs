using Microsoft.Agents.AI.Workflows;

namespace Statehouse.AgentFramework.Tests.Infrastructure;

/// <summary>What one workflow run produced: its string outputs, the checkpoints it saved (in order) and the errors it reported.</summary>
internal sealed record RunOutcome(IReadOnlyList<string> Outputs, IReadOnlyList<CheckpointInfo> Checkpoints, IReadOnlyList<Exception> Errors);

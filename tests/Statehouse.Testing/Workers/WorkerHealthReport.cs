namespace Statehouse.Testing.Workers;

/// <summary>
/// What one worker's <c>/health</c> said (<see cref="WorkerHealthEndpoint"/>): its status word, whether healthy, the
/// last commit_ts its own store holds (a replica's: what it applied from the log), its replication role when it
/// reports one (<c>primary</c>, <c>replica</c>; null otherwise) and the document as sent, for messages.
/// </summary>
public sealed record WorkerHealthReport(string Status, bool Healthy, long LastCommitTs, string? Role, string Json);

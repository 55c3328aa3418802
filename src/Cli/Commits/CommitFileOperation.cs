using Statehouse.Contracts;

namespace Statehouse.Cli.Commits;

/// <summary>One operation of a commit file: a write (with its value as MessagePack), a delete, or an expected version.</summary>
internal sealed record CommitFileOperation(OperationKind Kind, string Agent, string Key, byte[]? Value = null, long Version = 0);

using MessagePack;
using Statehouse.Contracts;

namespace Statehouse.Worker.Storage;

/// <summary>One applied operation as logged: which record, what happened, its new version. Values live in history.</summary>
[MessagePackObject]
internal sealed record LoggedOperation(
    [property: Key(0)] string AgentId,
    [property: Key(1)] string Key,
    [property: Key(2)] OperationKind Kind,
    [property: Key(3)] long Version);

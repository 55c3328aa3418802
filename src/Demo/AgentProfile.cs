namespace Statehouse.Demo;

/// <summary>The demo's structured value: a plain record, stored as a MessagePack map by property name.</summary>
public sealed record AgentProfile(string Name, string Goal, IReadOnlyList<string> Tools);

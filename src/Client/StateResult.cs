namespace Statehouse.Client;

/// <summary>
/// One record as read. <see cref="Exists"/> is false for a key never written or deleted (a deleted key still reports
/// the <see cref="Version"/> and <see cref="CommitTs"/> of its delete). <see cref="Value"/> is the value decoded as
/// <typeparamref name="T"/>; <see cref="RawValue"/> holds the exact MessagePack bytes that were written.
/// </summary>
public sealed record StateResult<T>(string Key, bool Exists, T? Value, long Version, long CommitTs, ReadOnlyMemory<byte>? RawValue);

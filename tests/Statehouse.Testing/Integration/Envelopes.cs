using MessagePack;
using Statehouse.Contracts;

namespace Statehouse.Testing.Integration;

/// <summary>Commit envelopes for raw-AMQP tests, with unique txn ids.</summary>
public static class Envelopes
{
    public static string NewTxnId(string label) => label + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A transaction of writes of string values in namespace <c>default</c>, with <see cref="Deadline"/>.</summary>
    public static CommitEnvelope Write(string label, params (string Agent, string Key, string Value)[] writes) =>
        new(WireFormat.SchemaVersion, NewTxnId(label), "default", writes.Select(w => Operation.Write(w.Agent, w.Key, Value(w.Value))).ToList(), Deadline());

    /// <summary>
    /// A deadline (Unix ms) <paramref name="ahead"/> of now, default 5 minutes: the worker refuses envelopes without one
    /// or with one further ahead than its inbox retention.
    /// </summary>
    public static long Deadline(TimeSpan? ahead = null) => DateTimeOffset.UtcNow.Add(ahead ?? TimeSpan.FromMinutes(5)).ToUnixTimeMilliseconds();

    /// <summary>The MessagePack bytes of a string value, as a client would send it.</summary>
    public static byte[] Value(string text) => MessagePackSerializer.Serialize(text);
}

using System.Security.Cryptography;
using MessagePack;

namespace Statehouse.Worker.Commit;

/// <summary>
/// What makes a transaction itself: the SHA-256 (32 bytes) of its namespace and operations exactly as sent (the
/// MessagePack bytes of the envelope's fields 2 and 3). The schema version, txn_id and deadline are left out: a client
/// that commits the same transaction again under its txn_id sends a new deadline.
/// </summary>
internal static class TransactionDigest
{
    private const int NamespaceField = 2;
    private const int FieldsAfterOperations = 4;

    /// <summary>The digest of an envelope that <see cref="Contracts.WireFormat"/> decoded (an array of fields).</summary>
    /// <exception cref="MessagePackSerializationException">The bytes are not a MessagePack array.</exception>
    public static byte[] Compute(ReadOnlyMemory<byte> envelope)
    {
        var reader = new MessagePackReader(envelope);
        var fields = reader.ReadArrayHeader();
        for (var i = 0; i < Math.Min(fields, NamespaceField); i++)
        {
            reader.Skip();
        }

        var start = (int)reader.Consumed;
        for (var i = NamespaceField; i < Math.Min(fields, FieldsAfterOperations); i++)
        {
            reader.Skip();
        }

        return SHA256.HashData(envelope.Span[start..(int)reader.Consumed]);
    }
}

using MessagePack;
using Statehouse.Contracts;

namespace Statehouse.Client;

/// <summary>
/// A transaction staged in memory and sent whole, as one message, by <see cref="CommitAsync"/>: either every operation
/// is applied or none is. Nothing leaves the process before the commit; disposing an uncommitted transaction aborts it.
/// Stage operations from one thread at a time; many transactions may run concurrently over one client.
/// </summary>
public sealed class StatehouseTransaction : IAsyncDisposable, IDisposable
{
    private readonly StatehouseClient _client;
    private readonly MessagePackSerializerOptions _valueOptions;
    private readonly List<Operation> _operations = [];
    private int _state = (int)TransactionState.Open;

    internal StatehouseTransaction(StatehouseClient client, string @namespace, string txnId, MessagePackSerializerOptions valueOptions)
    {
        _client = client;
        Namespace = @namespace;
        TxnId = txnId;
        _valueOptions = valueOptions;
    }

    /// <summary>The transaction's id: the AMQP message id, and the key under which the worker remembers its outcome.</summary>
    public string TxnId { get; }

    public string Namespace { get; }

    public TransactionState State => (TransactionState)Volatile.Read(ref _state);

    /// <summary>Operations staged so far.</summary>
    public int OperationCount => _operations.Count;

    /// <summary>Stages a write of <paramref name="value"/>, serialized now with the client's value serializer.</summary>
    public StatehouseTransaction Write<T>(string agentId, string key, T value)
    {
        Guard.Record(agentId, key);
        var bytes = MessagePackSerializer.Serialize(value, _valueOptions);
        return Stage(Operation.Write(agentId, key, bytes));
    }

    /// <summary>Stages a write of a value that is already MessagePack bytes (stored exactly as given).</summary>
    /// <exception cref="ArgumentException"><paramref name="messagePackValue"/> is not exactly one MessagePack value.</exception>
    public StatehouseTransaction WriteRaw(string agentId, string key, ReadOnlyMemory<byte> messagePackValue)
    {
        Guard.Record(agentId, key);
        RequireSingleValue(messagePackValue, nameof(messagePackValue));
        return Stage(Operation.Write(agentId, key, messagePackValue.ToArray()));
    }

    /// <summary>
    /// Stages a delete: a tombstone, a new version of the record; the key stops existing, its history stays. A key that
    /// does not exist (never written, or deleted already) gets a tombstone too (version 1 for a key never written): a
    /// delete always commits. To delete only an existing record, add <see cref="ExpectVersion"/> with its version.
    /// </summary>
    public StatehouseTransaction Delete(string agentId, string key)
    {
        Guard.Record(agentId, key);
        return Stage(Operation.Delete(agentId, key));
    }

    /// <summary>
    /// Makes the commit fail with a conflict, writing nothing, unless the record's version is <paramref name="version"/>
    /// when the worker applies the transaction (0 = the record must not exist).
    /// </summary>
    public StatehouseTransaction ExpectVersion(string agentId, string key, long version)
    {
        Guard.Record(agentId, key);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        return Stage(Operation.Expect(agentId, key, version));
    }

    /// <summary>
    /// Sends the transaction and waits for the worker's answer (resending the same message after each timeout).
    /// Callable once.
    /// </summary>
    /// <exception cref="Exceptions.StatehouseConflictException">An expected version did not match; nothing was written.</exception>
    /// <exception cref="Exceptions.StatehouseTimeoutException">No reply after every attempt; the outcome is unknown.</exception>
    /// <exception cref="Exceptions.StatehouseException">Any other rejection, with its error code.</exception>
    public async Task<CommitResult> CommitAsync(CancellationToken ct = default)
    {
        if (Interlocked.CompareExchange(ref _state, (int)TransactionState.Committing, (int)TransactionState.Open) != (int)TransactionState.Open)
        {
            throw new InvalidOperationException($"Transaction {TxnId} is {State}: a transaction can be committed once, and not after Abort.");
        }

        if (_operations.Count == 0)
        {
            Volatile.Write(ref _state, (int)TransactionState.Open);
            throw new InvalidOperationException($"Transaction {TxnId} has no operations to commit.");
        }

        var committed = false;
        try
        {
            var result = await _client.CommitAsync(Namespace, TxnId, _operations, ct).ConfigureAwait(false);
            committed = true;
            return result;
        }
        finally
        {
            Volatile.Write(ref _state, (int)(committed ? TransactionState.Committed : TransactionState.Failed));
        }
    }

    /// <summary>Drops the staged operations; nothing is sent. No effect after a commit started.</summary>
    public void Abort()
    {
        if (Interlocked.CompareExchange(ref _state, (int)TransactionState.Aborted, (int)TransactionState.Open) == (int)TransactionState.Open)
        {
            _operations.Clear();
        }
    }

    /// <summary>Aborts the transaction unless it was committed.</summary>
    public ValueTask DisposeAsync()
    {
        Abort();
        return ValueTask.CompletedTask;
    }

    /// <summary>Aborts the transaction unless it was committed.</summary>
    public void Dispose() => Abort();

    private StatehouseTransaction Stage(Operation operation)
    {
        if (State != TransactionState.Open)
        {
            throw new InvalidOperationException($"Transaction {TxnId} is {State}: operations can only be added before commit or abort.");
        }

        _operations.Add(operation);
        return this;
    }

    private static void RequireSingleValue(ReadOnlyMemory<byte> bytes, string paramName)
    {
        var reader = new MessagePackReader(bytes);
        try
        {
            reader.Skip();
        }
        catch (EndOfStreamException e)
        {
            throw new ArgumentException("The bytes end inside a MessagePack value.", paramName, e);
        }
        catch (MessagePackSerializationException e)
        {
            throw new ArgumentException("The bytes are not a MessagePack value.", paramName, e);
        }

        if (!reader.End)
        {
            throw new ArgumentException("The bytes hold more than one MessagePack value.", paramName);
        }
    }
}

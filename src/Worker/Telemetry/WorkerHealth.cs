using Statehouse.Contracts;

namespace Statehouse.Worker.Telemetry;

/// <summary>Shared, thread-safe view of whether the worker can do its job; read by the health request.</summary>
internal sealed class WorkerHealth
{
    private volatile string? _storageError;
    private volatile string? _refusal;
    private volatile string _refusalStatus = "foreign-store";
    private volatile string? _role;
    private volatile bool _brokerConnected;
    private volatile bool _consuming;
    private volatile string? _deadLetterError;

    public bool StorageWritable => _storageError is null;

    public string? StorageError => _storageError;

    public bool BrokerConnected => _brokerConnected;

    public bool Consuming => _consuming;

    /// <summary>Why dead-letter copies are not being stored (their messages are held unacked), or null.</summary>
    public string? DeadLetterError => _deadLetterError;

    public void StorageFailed(string reason) => _storageError = reason;

    /// <summary>
    /// This worker's store must not serve the prefix: it is not the deployment's (<paramref name="status"/>
    /// <c>foreign-store</c>), or it cannot follow the replication log (<c>diverged</c>). Final.
    /// </summary>
    public void Refuse(string reason, string status = "foreign-store")
    {
        _refusalStatus = status;
        _refusal = reason;
    }

    /// <summary>With replication: <c>primary</c> or <c>replica</c>; null without replication.</summary>
    public string? Role => _role;

    public void SetRole(string? role) => _role = role;

    public void StorageRecovered() => _storageError = null;

    public void DeadLetterFailed(string reason) => _deadLetterError = reason;

    public void DeadLetterRecovered() => _deadLetterError = null;

    public void SetBrokerConnected(bool connected) => _brokerConnected = connected;

    public void SetConsuming(bool consuming) => _consuming = consuming;

    public HealthReport Snapshot(long lastCommitTs)
    {
        if (_refusal is { } refusal)
        {
            return new HealthReport(false, _refusalStatus, lastCommitTs, ServerInfo.Version, WireFormat.SchemaVersion, refusal, _role);
        }

        var error = _storageError ?? _deadLetterError;
        var healthy = error is null && _brokerConnected && _consuming;
        var status = _storageError is not null ? "storage-failed"
            : !_brokerConnected ? "broker-disconnected"
            : !_consuming ? "not-consuming"
            : _deadLetterError is not null ? "dead-letter-failed"
            : "ok";
        return new HealthReport(healthy, status, lastCommitTs, ServerInfo.Version, WireFormat.SchemaVersion, error, _role);
    }
}

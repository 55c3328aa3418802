namespace Statehouse.Worker.Telemetry;

/// <summary>
/// The body of <c>GET /health</c>: the health read's report plus the flags behind it; <c>role</c> (<c>primary</c> or
/// <c>replica</c>) only with replication.
/// </summary>
internal sealed record HealthDocument(
    string Status,
    bool Healthy,
    bool StorageWritable,
    bool BrokerConnected,
    bool Consuming,
    long LastCommitTs,
    string ServerVersion,
    int SchemaVersion,
    string? Detail,
    string? Role = null);

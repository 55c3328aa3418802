namespace Statehouse.Worker.Telemetry;

/// <summary>The body of <c>GET /health</c>: the health read's report plus the flags behind it.</summary>
internal sealed record HealthDocument(
    string Status,
    bool Healthy,
    bool StorageWritable,
    bool BrokerConnected,
    bool Consuming,
    long LastCommitTs,
    string ServerVersion,
    int SchemaVersion,
    string? Detail);

namespace Statehouse.Soak.Processes;

/// <summary>What every worker incarnation of one soak shares: its store, broker, queue prefix, log level and log file.</summary>
internal sealed record WorkerSettings(string StorePath, Uri Amqp, string Prefix, string LogLevel, string LogPath);

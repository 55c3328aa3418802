namespace Statehouse.Soak;

/// <summary>The soak could not run (no broker, no worker build, a data directory in use): exit code 2.</summary>
internal sealed class SoakSetupException(string message) : Exception(message);

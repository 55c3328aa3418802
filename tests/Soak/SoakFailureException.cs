namespace Statehouse.Soak;

/// <summary>
/// The system under test misbehaved outside the invariants the checker counts (the worker did not come back after a
/// kill, died on its own, a client crashed): exit code 1, like a violation.
/// </summary>
internal sealed class SoakFailureException(string message) : Exception(message);

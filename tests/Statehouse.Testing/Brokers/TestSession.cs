namespace Statehouse.Testing.Brokers;

/// <summary>
/// The label a run of scripts/test.sh puts on every container, volume and network its tests start, with the value of
/// <see cref="Variable"/>: the script checks by it that the run left nothing behind, and removes only what carries it.
/// Compiled into tests/Testcontainers.Tests as well (which does not reference this project).
/// </summary>
public static class TestSession
{
    public const string Label = "org.statehouse.test-session";

    public const string Variable = "STATEHOUSE_TEST_SESSION";

    /// <summary><see cref="Label"/> = <see cref="Variable"/> when that is set, else no label.</summary>
    public static IReadOnlyDictionary<string, string> Labels =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } session
            ? new Dictionary<string, string> { [Label] = session }
            : new Dictionary<string, string>();
}

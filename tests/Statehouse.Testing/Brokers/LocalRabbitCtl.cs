using Statehouse.Testing.Processes;

namespace Statehouse.Testing.Brokers;

/// <summary>
/// rabbitmqctl of the Debian package against a node on this machine. Called from /usr/lib/rabbitmq/bin directly: the
/// /usr/sbin wrapper switches to the rabbitmq user, whose Erlang cookie differs from root's.
/// </summary>
public static class LocalRabbitCtl
{
    public const string BinDirectory = "/usr/lib/rabbitmq/bin";

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    public static bool IsInstalled => File.Exists(Path.Combine(BinDirectory, "rabbitmq-server"));

    public static async Task<string> RunAsync(string node, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var (code, output) = await CommandLine.RunAsync(Path.Combine(BinDirectory, "rabbitmqctl"), ["-n", node, .. arguments], s_timeout, ct);
        return code == 0
            ? output
            : throw new InvalidOperationException($"rabbitmqctl -n {node} {string.Join(' ', arguments)} failed (exit {code}): {output.Trim()}");
    }
}

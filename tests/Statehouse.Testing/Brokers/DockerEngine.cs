using System.ComponentModel;
using Statehouse.Testing.Processes;

namespace Statehouse.Testing.Brokers;

/// <summary>Whether a Docker engine answers here (<c>docker info</c> succeeds within 20 s), so Testcontainers can start a broker.</summary>
internal static class DockerEngine
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    public static async Task<bool> AnswersAsync(CancellationToken ct)
    {
        try
        {
            var (exitCode, _) = await CommandLine.RunAsync("docker", ["info"], s_timeout, ct);
            return exitCode == 0;
        }
        catch (Exception e) when (e is Win32Exception or TimeoutException)
        {
            // No docker executable on PATH, or an engine that does not answer.
            return false;
        }
    }
}

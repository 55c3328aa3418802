using System.ComponentModel;
using System.Diagnostics;

namespace Statehouse.Testing.Brokers;

/// <summary>Whether a Docker engine answers here (<c>docker info</c> succeeds within 20 s), so Testcontainers can start a broker.</summary>
internal static class DockerEngine
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    public static async Task<bool> AnswersAsync(CancellationToken ct)
    {
        var start = new ProcessStartInfo("docker", "info")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        try
        {
            using var docker = Process.Start(start);
            if (docker is null)
            {
                return false;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(s_timeout);
            try
            {
                await docker.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                docker.Kill(entireProcessTree: true);
                return false;
            }

            return docker.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            // No docker executable on PATH.
            return false;
        }
    }
}

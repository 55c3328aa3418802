using Statehouse.Testing.Processes;

namespace Statehouse.Soak.Tests.Crash;

/// <summary>
/// Runs the soak tool (<c>Statehouse.Soak.dll</c> from its build output) as a process, with environment variables
/// added when given, and collects its output. On
/// timeout it asks the tool to stop (SIGTERM: the tool then ends its worker and clients), and only if that does not
/// work within 30 s kills it and its descendants.
/// </summary>
internal static class SoakProcess
{
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(30);

    public static async Task<SoakProcessResult> RunAsync(IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null)
    {
        await using var soak = ChildProcess.StartDotnet(BuildOutput.Find("tests/Soak", "Statehouse.Soak.dll"), arguments,
            new ChildProcessOptions { Environment = environment ?? new Dictionary<string, string?>() });
        try
        {
            var exitCode = await soak.Exited.WaitAsync(timeout);
            return new SoakProcessResult(exitCode, soak.Stdout, soak.Stderr);
        }
        catch (TimeoutException)
        {
            try
            {
                await soak.StopAsync(s_stopGrace);
            }
            catch (TimeoutException)
            {
                // Killed after the grace; the output below says where it hung.
            }

            throw new TimeoutException($"The soak did not finish within {timeout.TotalSeconds} s. Its output:\n{soak.Stdout}\n{soak.Stderr}");
        }
    }
}

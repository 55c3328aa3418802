using System.Diagnostics;
using System.Globalization;

namespace Statehouse.Soak.Tests.Crash;

/// <summary>
/// Runs the soak tool (<c>Statehouse.Soak.dll</c>, copied next to the tests by the project reference) as a process and
/// collects its output. On timeout it asks the tool to stop (SIGTERM: the tool then ends its worker and clients), and
/// only if that does not work kills it and its descendants.
/// </summary>
internal static class SoakProcess
{
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(30);

    public static async Task<SoakProcessResult> RunAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Statehouse.Soak.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: the test project references tests/Soak, so building the tests builds it.", dll);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the soak tool.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            await StopAsync(process);
            throw new TimeoutException(
                $"The soak did not finish within {timeout.TotalSeconds} s. Its output:\n{await output}\n{await errors}");
        }

        return new SoakProcessResult(process.ExitCode, await output, await errors);
    }

    private static async Task StopAsync(Process process)
    {
        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var grace = new CancellationTokenSource(s_stopGrace);
        try
        {
            await process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}

using System.CommandLine;
using System.CommandLine.Invocation;
using Statehouse.Soak.Load;

namespace Statehouse.Soak;

/// <summary>
/// The soak's command line: the orchestrator's options (<see cref="SoakArguments"/>) and the hidden <c>client</c>
/// command it starts its clients with. Usage errors exit with 2, like a soak that could not run.
/// </summary>
internal static class SoakCommand
{
    private const int UsageExitCode = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("""
            Runs the real worker and client processes, kills and restarts the worker, then checks that no acknowledged commit
            was lost, no transaction is partly visible or applied twice, commit_ts is gapless, and replay reproduces the state.
            Exit code: 0 all invariants hold, 1 a violation (or the time bound was exceeded), 2 the soak could not run.
            """);
        foreach (var option in SoakArguments.Options)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(ClientArguments.CreateCommand(arguments => ClientRun.MainAsync(arguments, Console.Out, Console.Error)));
        root.SetAction(async parse =>
        {
            if (SoakArguments.TryRead(parse, Environment.GetEnvironmentVariable, out var arguments, out var error))
            {
                return await SoakRun.MainAsync(arguments, Console.Out, Console.Error);
            }

            return await UsageErrorAsync(error);
        });

        var parse = root.Parse(args);
        // The soak and its clients handle SIGINT and SIGTERM themselves (stop, then clean up), so the parser does not.
        return parse.Action is ParseErrorAction
            ? await UsageErrorAsync(string.Join('\n', parse.Errors.Select(e => e.Message)))
            : await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static async Task<int> UsageErrorAsync(string message)
    {
        await Console.Error.WriteLineAsync($"{message}\nRun 'Statehouse.Soak --help' for usage.");
        return UsageExitCode;
    }
}

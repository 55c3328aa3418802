using System.CommandLine;
using Statehouse.Cli.Output;

namespace Statehouse.Cli.Hosting;

/// <summary>Runs a command's body with its <see cref="CliContext"/> and turns every failure into a message and an exit code.</summary>
internal static class CommandRunner
{
    public delegate Task<int> Body(CliContext context, ParseResult parse, CancellationToken ct);

    public static void SetBody(this Command command, GlobalOptions globals, Body body) =>
        command.SetAction((parse, ct) => RunAsync(globals, parse, body, ct));

    private static async Task<int> RunAsync(GlobalOptions globals, ParseResult parse, Body body, CancellationToken ct)
    {
        var output = new CliOutput(parse.GetValue(globals.Json));
        CliSettings? settings = null;
        try
        {
            settings = globals.Resolve(parse);
            await using var context = new CliContext(settings, output);
            return await body(context, parse, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            output.Error("interrupted", new Failure(ExitCodes.Interrupted, "interrupted").ToJson());
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            if (Failure.From(e, settings, parse.CommandResult.Command.Name) is { } failure)
            {
                // A usage error found while running (a malformed value or file) gets the same hint as a parse error.
                output.Error(failure.ExitCode == ExitCodes.Usage ? $"{failure.Message}\n{CliApplication.UsageHint(parse)}" : failure.Message, failure.ToJson());
                return failure.ExitCode;
            }

            output.Error($"unexpected failure (a bug): {e}", new Failure(ExitCodes.InternalError, e.ToString()).ToJson());
            return ExitCodes.InternalError;
        }
    }
}

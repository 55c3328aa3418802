using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Statehouse.Cli.Commands;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;

namespace Statehouse.Cli;

/// <summary>The <c>statehouse</c> command line: global options, the commands, and usage errors as exit code 2.</summary>
internal static class CliApplication
{
    public static RootCommand CreateRoot(GlobalOptions globals)
    {
        var root = new RootCommand("statehouse: inspect, change and follow Statehouse agent state through RabbitMQ");
        foreach (var option in globals.All)
        {
            root.Options.Add(option);
        }

        Command[] commands =
        [
            HealthCommand.Create(globals),
            VersionCommand.Create(globals),
            GetCommand.Create(globals),
            KeysCommand.Create(globals),
            ScanCommand.Create(globals),
            ReplayCommand.Create(globals),
            TailCommand.Create(globals),
            DumpCommand.Create(globals),
            ImportCommand.Create(globals),
            PutCommand.Create(globals),
            DeleteCommand.Create(globals),
            CommitCommand.Create(globals),
            ForkCommand.Create(globals),
            DeadLettersCommand.Create(globals),
            StatsCommand.Create(globals),
            BackupCommand.Create(globals),
            RestoreCommand.Create(globals),
            ReseedCommand.Create(globals),
        ];
        foreach (var command in commands)
        {
            globals.AddTo(command);
            root.Subcommands.Add(command);
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var globals = new GlobalOptions();
        var parse = CreateRoot(globals).Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            return ReportUsageErrors(parse, parse.GetValue(globals.Json));
        }

        return await parse.InvokeAsync().ConfigureAwait(false);
    }

    private static int ReportUsageErrors(ParseResult parse, bool json)
    {
        var output = new CliOutput(json);
        var message = string.Join(" ", parse.Errors.Select(e => e.Message));
        output.Error($"{message}\n{UsageHint(parse)}", new Failure(ExitCodes.Usage, message).ToJson());
        return ExitCodes.Usage;
    }

    /// <summary>The hint that follows every usage error: <c>Run 'statehouse get --help' for usage.</c></summary>
    public static string UsageHint(ParseResult parse)
    {
        var path = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as CommandResult)
        {
            path.Insert(0, result.Command.Name);
        }

        return $"Run '{string.Join(' ', path)} --help' for usage.";
    }
}

using System.CommandLine;
using System.Reflection;
using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;
using Statehouse.Contracts;

namespace Statehouse.Cli.Commands;

/// <summary><c>version</c>: the CLI's version and the worker's (<c>--version</c> alone shows only the CLI's, offline).</summary>
internal static class VersionCommand
{
    public static string CliVersion { get; } =
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("version", "Show the versions of this CLI and of the worker");
        command.SetBody(globals, async (context, _, ct) =>
        {
            var client = await context.ClientAsync(ct).ConfigureAwait(false);
            var server = await client.ServerVersionAsync(ct).ConfigureAwait(false);
            context.Output.WriteObject(new JsonObject
            {
                ["cli_version"] = CliVersion,
                ["server_version"] = server,
                ["schema_version"] = WireFormat.SchemaVersion,
            });
            return ExitCodes.Ok;
        });
        return command;
    }
}

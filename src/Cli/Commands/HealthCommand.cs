using System.CommandLine;
using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;

namespace Statehouse.Cli.Commands;

/// <summary><c>health</c>: whether the worker can commit; exit code 3 when it cannot (or does not answer).</summary>
internal static class HealthCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("health", "Show the worker's health; exit code 0 when it can commit, 3 when not");
        command.SetBody(globals, async (context, _, ct) =>
        {
            var client = await context.ClientAsync(ct).ConfigureAwait(false);
            var health = await client.HealthAsync(ct).ConfigureAwait(false);
            context.Output.WriteObject(new JsonObject
            {
                ["healthy"] = health.Healthy,
                ["status"] = health.Status,
                ["last_commit_ts"] = health.LastCommitTs,
                ["server_version"] = health.ServerVersion,
                ["schema_version"] = health.SchemaVersion,
                ["detail"] = health.Detail,
            });
            return health.Healthy ? ExitCodes.Ok : ExitCodes.Unavailable;
        });
        return command;
    }
}

using Spectre.Console;

namespace Statehouse.Bench.Output;

/// <summary>Runs a body with a live progress display on a terminal, or with plain progress lines when output is redirected.</summary>
internal static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(IReadOnlyList<string> modes, Func<IProgressView, Task<T>> body)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            await using var plain = new PlainProgressView(Console.Out);
            return await body(plain);
        }

        return await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                await using var live = new LiveProgressView(context, modes);
                return await body(live);
            });
    }
}

using System.Diagnostics;
using System.Globalization;
using Statehouse.Client;
using Statehouse.Client.Exceptions;
using Statehouse.Examples.ResearchAgent.State;
using Statehouse.Examples.ResearchAgent.Tools;

namespace Statehouse.Examples.ResearchAgent;

/// <summary>
/// One run of the research agent. The plan is committed first; then every step is run and committed in ONE
/// transaction together with the new <c>progress</c> (and, for the last step, the <c>answer</c>). A crash therefore
/// leaves Statehouse holding whole steps only, and <c>progress</c> always names the first step that is not stored.
/// </summary>
internal sealed class ResearchRun
{
    private readonly StatehouseClient _client;
    private readonly AgentArguments _args;
    private readonly TextWriter _output;
    private readonly TextWriter _errors;
    private readonly string _agent;

    /// <summary>Outputs of the steps committed so far, by step number: the inputs of later steps refer to them.</summary>
    private readonly Dictionary<int, string> _outputs = [];

    /// <summary>The version of <c>progress</c> this run last wrote or read; the next commit expects it unchanged.</summary>
    private long _progressVersion;

    private ResearchRun(StatehouseClient client, AgentArguments args, TextWriter output, TextWriter errors)
    {
        _client = client;
        _args = args;
        _output = output;
        _errors = errors;
        _agent = AgentKeys.AgentId(args.RunId);
    }

    public static async Task<int> RunAsync(AgentArguments args, TextWriter output, TextWriter errors)
    {
        var options = new StatehouseClientOptions
        {
            Uri = args.Amqp,
            QueuePrefix = args.Prefix,
            CommitTimeout = TimeSpan.FromSeconds(5),
            MaxCommitAttempts = 3,
            ReadTimeout = TimeSpan.FromSeconds(5),
            MaxReadAttempts = 2,
            ClientName = "statehouse-research-agent",
        };

        try
        {
            await output.WriteLineAsync($"Research agent, run {args.RunId} (Statehouse agent '{AgentKeys.AgentId(args.RunId)}')");
            await output.WriteLineAsync($"Statehouse: broker {args.Endpoint}, queue prefix '{args.Prefix}'");
            await using var client = await StatehouseClient.ConnectAsync(options);
            return await new ResearchRun(client, args, output, errors).RunAsync();
        }
        catch (StatehouseTimeoutException e)
        {
            await errors.WriteLineAsync(
                $"No reply from the Statehouse worker within {e.TotalTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s: is it running " +
                $"with --Statehouse:Broker:Uri={args.Endpoint} and --Statehouse:Broker:QueuePrefix={args.Prefix}?");
            return 4;
        }
        catch (StatehouseUnavailableException e)
        {
            await errors.WriteLineAsync($"Cannot reach Statehouse: {e.Message}");
            return 3;
        }
        catch (StatehouseException e)
        {
            await errors.WriteLineAsync($"Statehouse refused a request ({e.Code}): {e.Message}");
            return 1;
        }
        catch (ToolException e)
        {
            await errors.WriteLineAsync($"A tool failed: {e.Message}");
            return 1;
        }
    }

    private async Task<int> RunAsync()
    {
        var plan = _args.Resume ? await LoadAsync() : await StartAsync();
        if (plan is null)
        {
            return 1;
        }

        foreach (var step in plan.Steps.Where(s => !_outputs.ContainsKey(s.Number)))
        {
            if (!await RunStepAsync(step, plan.Steps.Count))
            {
                return 1;
            }
        }

        var answer = await _client.GetStateAsync<string>(_agent, AgentKeys.Answer);
        await _output.WriteLineAsync();
        await _output.WriteLineAsync($"Answer (key '{AgentKeys.Answer}', commit_ts {answer.CommitTs}):");
        await _output.WriteLineAsync($"  {answer.Value}");
        await _output.WriteLineAsync();
        return await History.PrintAsync(_client, _agent, plan.Steps.Count, _output) ? 0 : 1;
    }

    /// <summary>A new run: commits the plan and <c>progress</c> = step 1, provided the run id is not taken.</summary>
    private async Task<ResearchPlan?> StartAsync()
    {
        var question = _args.Question ?? Planner.DefaultQuestion;
        await _output.WriteLineAsync();
        await _output.WriteLineAsync($"Question: {question}");
        if (Planner.Plan(question) is not { } plan)
        {
            await _errors.WriteLineAsync($"This small planner cannot plan that; it understands {Planner.Understands}.");
            return null;
        }

        await using var tx = _client.BeginTransaction();
        tx.ExpectVersion(_agent, AgentKeys.Progress, 0)
            .Write(_agent, AgentKeys.Plan, plan)
            .Write(_agent, AgentKeys.Progress, new Progress(1, plan.Steps.Count));
        CommitResult committed;
        try
        {
            committed = await tx.CommitAsync();
        }
        catch (StatehouseConflictException)
        {
            await _errors.WriteLineAsync($"Run {_args.RunId} already exists in Statehouse. Continue it with --resume --run-id {_args.RunId}.");
            return null;
        }

        _progressVersion = committed.VersionOf(_agent, AgentKeys.Progress);
        await _output.WriteLineAsync($"Plan of {plan.Steps.Count} steps, committed with progress = step 1 at commit_ts {committed.CommitTs}:");
        foreach (var step in plan.Steps)
        {
            await _output.WriteLineAsync($"  {step.Number}. {step.Tool,-10}  {step.Input}");
        }

        return plan;
    }

    /// <summary>A resumed run: reads <c>progress</c>, the plan and the outputs of the committed steps back from Statehouse.</summary>
    private async Task<ResearchPlan?> LoadAsync()
    {
        var progress = await _client.GetStateAsync<Progress>(_agent, AgentKeys.Progress);
        var plan = await _client.GetStateAsync<ResearchPlan>(_agent, AgentKeys.Plan);
        if (!progress.Exists || !plan.Exists || progress.Value is null || plan.Value is null)
        {
            await _errors.WriteLineAsync($"Statehouse has no run {_args.RunId} (no '{AgentKeys.Progress}' for agent '{_agent}'). Start one without --resume.");
            return null;
        }

        _progressVersion = progress.Version;
        var next = progress.Value.NextStep;
        await _output.WriteLineAsync();
        await _output.WriteLineAsync($"Resuming. Statehouse says: {next - 1} of {progress.Value.StepCount} steps committed " +
            $"('{AgentKeys.Progress}' v{progress.Version}, commit_ts {progress.CommitTs}).");
        await _output.WriteLineAsync($"Question: {plan.Value.Question}");
        if (_args.Question is not null)
        {
            await _output.WriteLineAsync("(--question is ignored: a resumed run follows its stored plan)");
        }

        if (next > 1)
        {
            await _output.WriteLineAsync("Already done, read back from Statehouse and not run again:");
        }

        for (var number = 1; number < next; number++)
        {
            var step = await _client.GetStateAsync<StepRecord>(_agent, AgentKeys.Step(number));
            if (step.Value is null)
            {
                throw new InvalidOperationException($"'{AgentKeys.Progress}' says step {number} is committed but '{AgentKeys.Step(number)}' is missing.");
            }

            _outputs[number] = step.Value.Output;
            await _output.WriteLineAsync($"  {number}. {step.Value.Tool,-10}  = {Shorten(step.Value.Output),-10}  (committed at commit_ts {step.CommitTs})");
        }

        if (next <= progress.Value.StepCount)
        {
            await _output.WriteLineAsync($"Continuing with step {next}.");
        }

        return plan.Value;
    }

    /// <summary>Runs one step and commits it; false when another process committed this run's progress meanwhile.</summary>
    private async Task<bool> RunStepAsync(PlannedStep step, int stepCount)
    {
        await _output.WriteLineAsync();
        await _output.WriteLineAsync($"Step {step.Number}/{stepCount}: {step.Tool} ({step.Purpose})");
        var input = step.ResolveInput(_outputs);
        var output = Toolbox.Run(step.Tool, input);
        if (input != output)
        {
            await _output.WriteLineAsync($"  input   {input}");
        }

        await _output.WriteLineAsync($"  output  {output}");

        if (step.Number == _args.CrashAtStep)
        {
            await CrashAsync(step.Number);
        }

        var last = step.Number == stepCount;
        await using var tx = _client.BeginTransaction();
        tx.ExpectVersion(_agent, AgentKeys.Progress, _progressVersion)
            .ExpectVersion(_agent, AgentKeys.Step(step.Number), 0)
            .Write(_agent, AgentKeys.Step(step.Number), new StepRecord(step.Number, step.Tool, step.Purpose, input, output))
            .Write(_agent, AgentKeys.Progress, new Progress(step.Number + 1, stepCount));
        if (last)
        {
            tx.Write(_agent, AgentKeys.Answer, output);
        }

        try
        {
            var committed = await tx.CommitAsync();
            _progressVersion = committed.VersionOf(_agent, AgentKeys.Progress);
            await _output.WriteLineAsync($"  saved   {string.Join(" + ", committed.Versions.Select(v => $"{v.Key} v{v.Version}"))} in one transaction, commit_ts {committed.CommitTs}");
        }
        catch (StatehouseConflictException e)
        {
            var actual = string.Join(", ", e.Conflicts.Select(c => $"'{c.Key}' is at v{c.Version}"));
            await _errors.WriteLineAsync($"  Not saved: another process is driving run {_args.RunId} ({actual}). Nothing was written; stopping.");
            return false;
        }

        _outputs[step.Number] = output;
        return true;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 39), "…");

    private async Task CrashAsync(int step)
    {
        var done = step == 1 ? "no steps yet" : step == 2 ? "step 1" : $"steps 1-{step - 1}";
        await _output.WriteLineAsync($"  CRASH   --crash-at-step {step}: killing this process (SIGKILL) before step {step} is committed.");
        await _output.WriteLineAsync($"          Statehouse keeps the plan and {done}. Continue with: --resume --run-id {_args.RunId}");
        await _output.FlushAsync();

        // SIGKILL, like a power cut or the OOM killer: no finally blocks, no disposal, the broker connection just drops.
        Process.GetCurrentProcess().Kill();
    }
}

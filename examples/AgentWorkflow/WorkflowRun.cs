using System.Diagnostics;
using System.Globalization;
using Microsoft.Agents.AI.Workflows;
using Statehouse.AgentFramework.Checkpointing;
using Statehouse.Client;
using Statehouse.Client.Exceptions;

namespace Statehouse.Examples.AgentWorkflow;

/// <summary>
/// One process of the example: starts the session's workflow (or, with <c>--resume</c>, restores the session's last
/// checkpoint from Statehouse), runs it superstep by superstep with every checkpoint saved through
/// <see cref="StatehouseCheckpointStore"/>, prints the answer and the session's checkpoint history. The lockstep
/// environment runs a superstep only while its events are watched, so a kill on step N's checkpoint event happens
/// after that checkpoint is committed and before step N+1 starts.
/// </summary>
internal sealed class WorkflowRun
{
    private readonly StatehouseClient _client;
    private readonly WorkflowArguments _args;
    private readonly TextReader _input;
    private readonly TextWriter _output;
    private readonly TextWriter _errors;

    private WorkflowRun(StatehouseClient client, WorkflowArguments args, TextReader input, TextWriter output, TextWriter errors)
    {
        _client = client;
        _args = args;
        _input = input;
        _output = output;
        _errors = errors;
    }

    /// <summary>Runs the example to its end; returns one of <see cref="ExitCodes"/>.</summary>
    public static async Task<int> RunAsync(WorkflowArguments args, TextReader input, TextWriter output, TextWriter errors)
    {
        var options = new StatehouseClientOptions
        {
            Uri = args.Amqp,
            QueuePrefix = args.Prefix,
            CommitTimeout = TimeSpan.FromSeconds(5),
            MaxCommitAttempts = 3,
            ReadTimeout = TimeSpan.FromSeconds(5),
            MaxReadAttempts = 2,
            ClientName = "statehouse-agent-workflow",
        };

        try
        {
            await output.WriteLineAsync($"Agent workflow, session {args.SessionId}; Statehouse: broker {args.Endpoint}, queue prefix '{args.Prefix}'");
            await using var client = await StatehouseClient.ConnectAsync(options);
            return await new WorkflowRun(client, args, input, output, errors).RunAsync();
        }
        catch (StatehouseCheckpointConflictException e)
        {
            await errors.WriteLineAsync($"Checkpoint conflict: {e.Message}");
            await errors.WriteLineAsync("This process stopped; its checkpoint was not saved, so the session's checkpoints are those of the process that saved first.");
            return ExitCodes.CheckpointConflict;
        }
        catch (StatehouseTimeoutException e)
        {
            await errors.WriteLineAsync(
                $"No reply from the Statehouse worker within {e.TotalTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s: is it running " +
                $"with --Statehouse:Broker:Uri={args.Endpoint} and --Statehouse:Broker:QueuePrefix={args.Prefix}?");
            return ExitCodes.Timeout;
        }
        catch (StatehouseUnavailableException e)
        {
            await errors.WriteLineAsync($"Cannot reach Statehouse: {e.Message}");
            return ExitCodes.Unavailable;
        }
        catch (StatehouseException e)
        {
            await errors.WriteLineAsync($"Statehouse refused a request ({e.Code}): {e.Message}");
            return ExitCodes.Failed;
        }
    }

    private async Task<int> RunAsync()
    {
        var store = new StatehouseCheckpointStore(_client);
        var manager = CheckpointManager.CreateJson(store);
        var journal = new StepJournal(_client, _args.SessionId, _output);
        var workflow = ResearchWorkflow.Build(new ScriptedChatClient(), journal);
        var environment = InProcessExecution.Lockstep.WithCheckpointing(manager);
        var latest = await store.GetLatestCheckpointAsync(_args.SessionId);

        StreamingRun run;
        if (_args.Resume)
        {
            if (latest is null)
            {
                await _errors.WriteLineAsync($"Statehouse has no checkpoint of session {_args.SessionId} (agent '{store.AgentIdFor(_args.SessionId)}'). Start it without --resume.");
                return ExitCodes.Failed;
            }

            await _output.WriteLineAsync($"Resuming from the session's last checkpoint {latest.CheckpointId}, read from Statehouse.");
            run = await environment.ResumeStreamingAsync(workflow, latest);

            // Had another process saved between reading `latest` and the restore, the store would refuse this run's first
            // save (its parent would not be the session's head); checking now spares running a step for nothing.
            if (await store.GetLatestCheckpointAsync(_args.SessionId) is { } head && head.CheckpointId != latest.CheckpointId)
            {
                await run.DisposeAsync();
                await _errors.WriteLineAsync($"Checkpoint conflict: session {_args.SessionId} moved on to checkpoint {head.CheckpointId} while this process " +
                    $"restored {latest.CheckpointId}: another process is running it. Nothing was run or saved.");
                return ExitCodes.CheckpointConflict;
            }

            if (_args.PauseAfterRestore)
            {
                await _output.WriteLineAsync("Paused after restoring; continuing when standard input ends.");
                await _output.FlushAsync();
                await _input.ReadToEndAsync();
            }
        }
        else
        {
            if (latest is not null)
            {
                await _errors.WriteLineAsync($"Session {_args.SessionId} already has checkpoints in Statehouse. Continue it with --resume --session {_args.SessionId}.");
                return ExitCodes.Failed;
            }

            await _output.WriteLineAsync($"Question: {_args.Question}");
            run = await environment.RunStreamingAsync(workflow, _args.Question, _args.SessionId);
        }

        string? answer;
        await using (run)
        {
            answer = await WatchAsync(run, journal);
        }

        if (_args.CrashAtStep is { } crashAt && crashAt > journal.LastStep)
        {
            await _errors.WriteLineAsync($"Note: --crash-at-step {crashAt} was never reached: this run ended at step {journal.LastStep}, so nothing was killed.");
        }

        answer ??= await StoredAnswerAsync(journal);
        await _output.WriteLineAsync("Answer:");
        await _output.WriteLineAsync($"  {answer ?? "(none: the session stopped before its answer step)"}");
        await _output.WriteLineAsync();
        var linear = await CheckpointHistory.PrintAsync(_client, store, _args.SessionId, _output);
        return answer is not null && linear ? ExitCodes.Done : ExitCodes.Failed;
    }

    /// <summary>
    /// Runs the workflow to its end and returns its output. An output counts only once its superstep's checkpoint is
    /// saved; a failed checkpoint save ends the run with the store's exception (a conflict is a
    /// <see cref="StatehouseCheckpointConflictException"/>).
    /// </summary>
    private async Task<string?> WatchAsync(StreamingRun run, StepJournal journal)
    {
        string? answer = null;
        string? pending = null;
        var checkpointedStep = 0;
        await foreach (var update in run.WatchStreamAsync())
        {
            switch (update)
            {
                case WorkflowOutputEvent output when output.Is<string>(out var text):
                    pending = text;
                    break;
                case SuperStepCompletedEvent { CompletionInfo.Checkpoint: { } checkpoint }:
                    answer = pending ?? answer;
                    var step = journal.LastStep;
                    await _output.WriteLineAsync($"    checkpoint {checkpoint.CheckpointId} saved in Statehouse");
                    if (step != checkpointedStep && step == _args.CrashAtStep)
                    {
                        await CrashAsync(step);
                    }

                    checkpointedStep = step;
                    break;
                case ExecutorFailedEvent failed:
                    throw failed.Data is { } e ? Unwrap(e) : new InvalidOperationException($"Executor '{failed.ExecutorId}' failed.");
                case WorkflowErrorEvent error:
                    throw error.Exception is { } cause ? Unwrap(cause) : new InvalidOperationException("The workflow failed.");
            }
        }

        return answer;
    }

    /// <summary>The store's own exception when the framework wrapped it, so its type decides the exit code.</summary>
    private static Exception Unwrap(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is StatehouseException)
            {
                return e;
            }
        }

        return exception;
    }

    /// <summary>A session resumed after its last step has nothing to run: its answer is the answer step's stored output.</summary>
    private async Task<string?> StoredAnswerAsync(StepJournal journal)
    {
        string? answer = null;
        await foreach (var entry in _client.ScanPrefixAsync<StepRun>(journal.AgentId, StepJournal.StepPrefix))
        {
            if (entry.State.Value is { Executor: ResearchWorkflow.AnswerId } run)
            {
                answer = run.Output;
            }
        }

        return answer;
    }

    private async Task CrashAsync(int step)
    {
        await _output.WriteLineAsync($"  CRASH --crash-at-step {step}: killing this process (SIGKILL) after step {step}'s checkpoint was saved.");
        await _output.WriteLineAsync($"        Continue with: --resume --session {_args.SessionId}");
        await _output.FlushAsync();

        // SIGKILL, like a power cut or the OOM killer: no finally blocks, no disposal, the broker connection just drops.
        Process.GetCurrentProcess().Kill();
    }
}

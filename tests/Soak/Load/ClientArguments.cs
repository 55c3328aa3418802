using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Statehouse.Soak.Load;

/// <summary>
/// Command line of the hidden client sub-mode (<c>Statehouse.Soak client ...</c>), written by the orchestrator: the
/// broker and queue prefix, which client of how many transactions, in flight at once over how many agents, the
/// per-commit attempts, the seed, the journal file the client appends to, and its pace (transactions per second it
/// starts at most; 0: as fast as they go).
/// </summary>
internal sealed record ClientArguments(
    IReadOnlyList<Uri> Brokers, string Prefix, int Index, int Count, int InFlight, int Agents, int CommitAttempts, int Seed, string JournalPath,
    double Rate = 0)
{
    public const string Verb = "client";

    private static readonly Option<string> s_amqp = new("--amqp") { Required = true };
    private static readonly Option<string> s_prefix = new("--prefix") { Required = true };
    private static readonly Option<int> s_index = BoundedOption.Create("--index", "This client's number", 0, 1000);
    private static readonly Option<int> s_count = BoundedOption.Create("--count", "Transactions to commit", 0, int.MaxValue);
    private static readonly Option<int> s_inFlight = BoundedOption.Create("--in-flight", "Transactions in flight", 1, 256);
    private static readonly Option<int> s_agents = BoundedOption.Create("--agents", "Agents to write to", 2, 10_000);
    private static readonly Option<int> s_commitAttempts = BoundedOption.Create("--commit-attempts", "Attempts per commit", 1, 100, Workload.MaxCommitAttempts);
    private static readonly Option<int> s_seed = new("--seed");
    private static readonly Option<string> s_journal = new("--journal") { Required = true };
    private static readonly Option<double> s_rate = new("--rate") { DefaultValueFactory = _ => 0 };

    /// <summary>The hidden <c>client</c> command: <paramref name="run"/> with its arguments, or exit code 2 when they are wrong.</summary>
    public static Command CreateCommand(Func<ClientArguments, Task<int>> run)
    {
        var command = new Command(Verb, "One client process of the soak (started by the orchestrator)") { Hidden = true };
        foreach (var option in new Option[] { s_amqp, s_prefix, s_index, s_count, s_inFlight, s_agents, s_commitAttempts, s_seed, s_journal, s_rate })
        {
            command.Options.Add(option);
        }

        command.SetAction(async parse =>
        {
            if (TryRead(parse, out var parsed, out var error))
            {
                return await run(parsed);
            }

            await Console.Error.WriteLineAsync($"soak client: {error}");
            return 2;
        });
        return command;
    }

    /// <summary>The arguments that start a client process with these settings (after the verb).</summary>
    public IReadOnlyList<string> ToArguments() =>
    [
        Verb,
        "--amqp", string.Join(',', Brokers.Select(b => b.ToString())),
        "--prefix", Prefix,
        "--index", Index.ToString(CultureInfo.InvariantCulture),
        "--count", Count.ToString(CultureInfo.InvariantCulture),
        "--in-flight", InFlight.ToString(CultureInfo.InvariantCulture),
        "--agents", Agents.ToString(CultureInfo.InvariantCulture),
        "--commit-attempts", CommitAttempts.ToString(CultureInfo.InvariantCulture),
        "--seed", Seed.ToString(CultureInfo.InvariantCulture),
        "--journal", JournalPath,
        "--rate", Rate.ToString("R", CultureInfo.InvariantCulture),
    ];

    private static bool TryRead(ParseResult parse, [NotNullWhen(true)] out ClientArguments? parsed, [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        if (!SoakArguments.TryLoopbackAmqpList("--amqp", parse.GetValue(s_amqp)!, out var brokers, out error))
        {
            return false;
        }

        if (parse.GetValue(s_rate) is var rate && (double.IsNaN(rate) || rate < 0))
        {
            error = $"--rate must be 0 or more, got {rate}";
            return false;
        }

        parsed = new ClientArguments(brokers, parse.GetValue(s_prefix)!, parse.GetValue(s_index), parse.GetValue(s_count), parse.GetValue(s_inFlight),
            parse.GetValue(s_agents), parse.GetValue(s_commitAttempts), parse.GetValue(s_seed), parse.GetValue(s_journal)!, rate);
        return true;
    }
}

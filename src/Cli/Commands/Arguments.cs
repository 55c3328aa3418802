using System.CommandLine;
using System.CommandLine.Parsing;

namespace Statehouse.Cli.Commands;

/// <summary>Arguments and options that several commands take, so that they read the same everywhere.</summary>
internal static class Arguments
{
    public static Argument<string> Agent() => NonEmpty(new("AGENT") { Description = "The agent id" });

    public static Argument<string> Key() => NonEmpty(new("KEY") { Description = "The record's key" });

    /// <summary>Refuses an empty value (<c>""</c>) as a usage error naming the argument.</summary>
    public static Argument<string> NonEmpty(Argument<string> argument)
    {
        argument.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { Length: 0 })
            {
                result.AddError($"{argument.Name} must not be empty.");
            }
        });
        return argument;
    }

    /// <summary>
    /// <c>--txn-id ID</c>: the transaction's id instead of a new one. Resending a timed-out commit with its id is safe:
    /// the worker applies an id at most once and answers a resend with the first outcome.
    /// </summary>
    public static Option<string> TxnId()
    {
        var option = new Option<string>("--txn-id")
        {
            Description = "The transaction id (default: a new one); resend a timed-out commit with its id to learn its outcome",
            HelpName = "ID",
        };
        option.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError("--txn-id must not be empty.");
            }
        });
        return option;
    }

    /// <summary>
    /// <c>--min-commit-ts TS</c>: read a state that includes at least the transaction with this commit_ts (read-your-writes
    /// across processes: a worker that has not applied it yet waits, or the read is asked again; exit code 3 if none gets there).
    /// </summary>
    public static Option<long?> MinCommitTs() => AtLeast("--min-commit-ts", 0,
        "Read a state that includes at least the transaction with this commit_ts (a worker behind it waits; exit code 3 if none gets there in time)", "TS");

    /// <summary>An option that must be at least <paramref name="minimum"/> when given.</summary>
    public static Option<long?> AtLeast(string name, long minimum, string description, string helpName, params string[] aliases)
    {
        var option = new Option<long?>(name, aliases) { Description = description, HelpName = helpName };
        option.Validators.Add(result =>
        {
            if (TryGetValue(result, out long? value) && value < minimum)
            {
                result.AddError($"{name} must be at least {minimum}, got {value}.");
            }
        });
        return option;
    }

    /// <summary>Adds a validator that refuses <paramref name="first"/> and <paramref name="second"/> together.</summary>
    public static void Exclusive(Command command, Option first, Option second) =>
        command.Validators.Add(result =>
        {
            if (result.GetResult(first) is not null && result.GetResult(second) is not null)
            {
                result.AddError($"{first.Name} and {second.Name} cannot be used together.");
            }
        });

    /// <summary>
    /// The option's value, for a validator; false when its text does not convert to <typeparamref name="T"/> (say
    /// <c>--at abc</c>). The parser reports that itself as a usage error; <c>GetValueOrDefault</c> would throw from
    /// inside the parser instead, and the process would end with an unhandled exception.
    /// </summary>
    public static bool TryGetValue<T>(OptionResult result, out T? value) => TryConvert(result.GetValueOrDefault<T>, out value);

    /// <inheritdoc cref="TryGetValue{T}(OptionResult, out T)"/>
    public static bool TryGetValue<T>(ArgumentResult result, out T? value) => TryConvert(result.GetValueOrDefault<T>, out value);

    private static bool TryConvert<T>(Func<T> get, out T? value)
    {
        try
        {
            value = get();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default;
            return false;
        }
    }
}

using System.CommandLine;

namespace Statehouse.Cli.Commands;

/// <summary>Arguments and options that several commands take, so that they read the same everywhere.</summary>
internal static class Arguments
{
    public static Argument<string> Agent() => new("AGENT") { Description = "The agent id" };

    public static Argument<string> Key() => new("KEY") { Description = "The record's key" };

    /// <summary>An option that must be at least <paramref name="minimum"/> when given.</summary>
    public static Option<long?> AtLeast(string name, long minimum, string description, string helpName, params string[] aliases)
    {
        var option = new Option<long?>(name, aliases) { Description = description, HelpName = helpName };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() is { } value && value < minimum)
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
}

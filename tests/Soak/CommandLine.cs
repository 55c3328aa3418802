using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Statehouse.Soak;

/// <summary>The <c>--name value</c> and <c>--flag</c> command lines of the soak and of its client sub-mode.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _flags;

    private CommandLine(Dictionary<string, string> values, HashSet<string> flags)
    {
        _values = values;
        _flags = flags;
    }

    /// <summary>Splits <paramref name="args"/>; <paramref name="error"/> is <c>"help"</c> for -h/--help.</summary>
    public static bool TryParse(
        IReadOnlyList<string> args,
        IReadOnlyCollection<string> valued,
        IReadOnlyCollection<string> flags,
        [NotNullWhen(true)] out CommandLine? parsed,
        [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var set = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error = "help";
                return false;
            }

            if (flags.Contains(name))
            {
                set.Add(name);
                continue;
            }

            if (!valued.Contains(name))
            {
                error = $"unknown argument '{name}'";
                return false;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value";
                return false;
            }

            values[name] = args[++i];
        }

        parsed = new CommandLine(values, set);
        error = null;
        return true;
    }

    public string? Value(string name) => _values.GetValueOrDefault(name);

    public bool Flag(string name) => _flags.Contains(name);

    /// <summary>A whole number within bounds, or <paramref name="fallback"/> when absent.</summary>
    public bool TryInt(string name, int fallback, int min, int max, out int value, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (!_values.TryGetValue(name, out var text))
        {
            value = fallback;
            return true;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }

        error = $"{name} must be a whole number from {min} to {max}, got '{text}'";
        return false;
    }

    /// <summary>An amqp:// or amqps:// URI on this machine: the soak kills processes and floods queues, so it stays local.</summary>
    public static bool TryLoopbackAmqp(string name, string text, [NotNullWhen(true)] out Uri? uri, [NotNullWhen(false)] out string? error)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            uri = null;
            error = $"{name} must be an amqp:// or amqps:// URI, got '{text}'";
            return false;
        }

        if (!uri.IsLoopback)
        {
            error = $"{name} must name a loopback broker (127.0.0.1, ::1 or localhost), got host '{uri.Host}'";
            uri = null;
            return false;
        }

        error = null;
        return true;
    }
}

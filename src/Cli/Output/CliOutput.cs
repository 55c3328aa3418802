using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Statehouse.Cli.Output;

/// <summary>
/// Where a command writes: results to stdout (Spectre.Console tables, or JSON without decoration under
/// <c>--json</c>), notes, progress and errors to stderr. Progress is shown only when stderr is a terminal.
/// </summary>
internal sealed class CliOutput
{
    /// <summary>Wide enough that a redirected table never wraps a cell: a pipe has no width to fit.</summary>
    private const int RedirectedWidth = 4096;

    private static readonly JsonSerializerOptions s_indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions s_compact = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly TextWriter _out;
    private readonly TextWriter _error;
    private readonly int _width;
    private readonly IAnsiConsole _errorConsole;

    public CliOutput(bool json, TextWriter? output = null, TextWriter? error = null)
    {
        Json = json;
        _out = output ?? Console.Out;
        _error = error ?? Console.Error;
        _width = CreateConsole(_out, redirected: output is not null || Console.IsOutputRedirected).Profile.Width;
        _errorConsole = CreateConsole(_error, redirected: error is not null || Console.IsErrorRedirected);
        ShowsProgress = error is null && !Console.IsErrorRedirected && !Console.IsOutputRedirected;
    }

    /// <summary>The same output, with results going to <paramref name="writer"/> (a file) instead of stdout.</summary>
    public CliOutput To(TextWriter writer) => new(Json, writer, _error);

    /// <summary><c>--json</c>: results as JSON, errors as one JSON object.</summary>
    public bool Json { get; }

    /// <summary>Whether long operations show progress (on stderr, only when both streams are a terminal).</summary>
    public bool ShowsProgress { get; }

    /// <summary>One JSON document (object or array), indented.</summary>
    public void WriteJson(JsonNode? node) => _out.WriteLine(node?.ToJsonString(s_indented) ?? "null");

    /// <summary>
    /// One JSON document on one line (JSON Lines, for streamed results), flushed unless <paramref name="flush"/> is false
    /// (a file written line after line: its writer flushes when disposed).
    /// </summary>
    public void WriteJsonLine(JsonNode? node, bool flush = true)
    {
        _out.WriteLine(node?.ToJsonString(s_compact) ?? "null");
        if (flush)
        {
            _out.Flush();
        }
    }

    /// <summary>One object: as JSON, or as a table of field and value (strings bare, other values as JSON).</summary>
    public void WriteObject(JsonObject fields)
    {
        if (Json)
        {
            WriteJson(fields);
            return;
        }

        Write(Tables.Properties(fields.Select(f => (f.Key, f.Value switch
        {
            null => "",
            JsonValue value when value.TryGetValue<string>(out var text) => text,
            var other => other.ToJsonString(s_compact),
        }))));
    }

    /// <summary>Writes a table (rendered without the padding Spectre leaves at the end of each line).</summary>
    public void Write(IRenderable renderable)
    {
        using var text = new StringWriter();
        var console = CreateConsole(text, redirected: true);
        console.Profile.Width = _width;
        console.Write(renderable);
        foreach (var line in text.ToString().Split('\n'))
        {
            if (line.Length > 0)
            {
                _out.WriteLine(line.TrimEnd());
            }
        }

        _out.Flush();
    }

    public void WriteLine(string text)
    {
        _out.WriteLine(text);
        _out.Flush();
    }

    /// <summary>A note for the person at the terminal (stderr; never mixed into results).</summary>
    public void Note(string text) => _error.WriteLine(text);

    public void Error(string message, JsonObject details)
    {
        if (Json)
        {
            _error.WriteLine(details.ToJsonString(s_compact));
        }
        else
        {
            _error.WriteLine("error: " + message);
        }
    }

    /// <summary>Runs <paramref name="work"/> with a status line on stderr that it updates through its argument.</summary>
    public async Task<T> WithProgressAsync<T>(string label, Func<Action<string>, Task<T>> work)
    {
        if (!ShowsProgress)
        {
            return await work(_ => { }).ConfigureAwait(false);
        }

        return await _errorConsole.Status().StartAsync(label, context => work(status => context.Status = status)).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="work"/>, which reports how many of <paramref name="total"/> units are done through its argument:
    /// on a terminal a progress bar on stderr; otherwise plain lines on stderr (<c>label: done/total (p%)</c>), the first
    /// report's, then at most one a second, and the last one (done = total).
    /// </summary>
    public async Task<T> WithProgressBarAsync<T>(string label, long total, Func<Action<long>, Task<T>> work)
    {
        if (ShowsProgress)
        {
            return await _errorConsole.Progress().StartAsync(async context =>
            {
                var task = context.AddTask(label, maxValue: Math.Max(total, 1));
                return await work(done => task.Value = done).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        long? lastLine = null;
        return await work(done =>
        {
            var now = Environment.TickCount64;
            if (lastLine is { } last && now - last < 1000 && done < total)
            {
                return;
            }

            lastLine = now;
            var percent = total == 0 ? 100 : done * 100 / total;
            _error.WriteLine($"{label}: {done}/{total} ({percent}%)");
            _error.Flush();
        }).ConfigureAwait(false);
    }

    private static IAnsiConsole CreateConsole(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;

namespace Statehouse.Cli.Dumps;

/// <summary>
/// Reads a JSON-lines dump (docs/cli.md, <c>dump --format jsonl</c>): an optional header first, then one record per
/// line; blank lines are skipped. A line that is not valid JSON, not an object, a header after the first line, or a
/// record without agent, key or a valid value ends the read with a usage error naming the file and the line number.
/// </summary>
internal static class DumpFileReader
{
    /// <summary>The lines of <paramref name="path"/>, read lazily, in order.</summary>
    /// <exception cref="CliException">The file cannot be read (usage), or a line is malformed (usage, with its number).</exception>
    public static async IAsyncEnumerable<DumpLine> ReadAsync(string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = Open(path);
        var number = 0;
        var sawContent = false;
        while (await ReadLineAsync(reader, path, ct).ConfigureAwait(false) is { } text)
        {
            number++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var line = Parse(text, path, number, first: !sawContent);
            sawContent = true;
            yield return line;
        }
    }

    private static DumpLine Parse(string text, string path, int number, bool first)
    {
        try
        {
            if (JsonNode.Parse(text) is not JsonObject json)
            {
                throw new FormatException("it is not a JSON object");
            }

            if (DumpHeader.IsHeader(json))
            {
                return first
                    ? new DumpLine(number, DumpHeader.FromJson(json), null)
                    : throw new FormatException("a header (\"statehouse_dump\") may only be the first line");
            }

            return new DumpLine(number, null, DumpRecord.FromJson(json));
        }
        catch (JsonException e)
        {
            // Its message ends with a position within a one-line document ("LineNumber: 0 | ..."): the file's line says more.
            var message = e.Message.Split(" LineNumber:", 2)[0];
            throw CliException.Usage($"{path}, line {number}: it is not valid JSON (at byte offset {e.BytePositionInLine}): {message}");
        }
        catch (FormatException e)
        {
            throw CliException.Usage($"{path}, line {number}: {e.Message}");
        }
        catch (ArgumentException e)
        {
            // JsonObject refuses a property name twice (with an ArgumentException) when first used; JSON itself allows it.
            var what = DuplicateProperty(text) is { } name ? $"it has the property \"{name}\" twice" : e.Message;
            throw CliException.Usage($"{path}, line {number}: {what}; a record line has each field once");
        }
    }

    /// <summary>The first property name of the line's object that appears in it twice, or null.</summary>
    private static string? DuplicateProperty(string text)
    {
        using var document = JsonDocument.Parse(text);
        var names = new HashSet<string>(StringComparer.Ordinal);
        return document.RootElement.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => !names.Add(name));
    }

    private static StreamReader Open(string path)
    {
        try
        {
            return new StreamReader(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"Cannot read the dump {path}: {e.Message}");
        }
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader, string path, CancellationToken ct)
    {
        try
        {
            return await reader.ReadLineAsync(ct).ConfigureAwait(false);
        }
        catch (DecoderFallbackException e)
        {
            throw CliException.Usage($"{path} is not UTF-8 text: {e.Message}");
        }
        catch (IOException e)
        {
            throw CliException.Usage($"Cannot read the dump {path}: {e.Message}");
        }
    }
}

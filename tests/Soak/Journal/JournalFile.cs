using System.Text.Json;

namespace Statehouse.Soak.Journal;

/// <summary>
/// A client's journal: one JSON line per finished transaction, flushed per line so that whatever the client learned
/// is on disk even if it dies. Thread-safe appends.
/// </summary>
internal sealed class JournalFile : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();

    private JournalFile(StreamWriter writer)
    {
        _writer = writer;
    }

    public static JournalFile Create(string path) =>
        new(new StreamWriter(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read)) { AutoFlush = true });

    public void Append(JournalEntry entry)
    {
        var line = JsonSerializer.Serialize(entry, JournalJsonContext.Default.JournalEntry);
        lock (_lock)
        {
            _writer.WriteLine(line);
        }
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>Every entry of a journal file; a line that does not parse is an error naming the file and line.</summary>
    public static async Task<List<JournalEntry>> ReadAsync(string path, CancellationToken ct)
    {
        var entries = new List<JournalEntry>();
        var number = 0;
        await foreach (var line in File.ReadLinesAsync(path, ct))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                entries.Add(JsonSerializer.Deserialize(line, JournalJsonContext.Default.JournalEntry)
                    ?? throw new JsonException("null entry"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{number}: not a journal entry ({e.Message})", e);
            }
        }

        return entries;
    }
}

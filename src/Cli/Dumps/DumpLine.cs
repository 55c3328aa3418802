namespace Statehouse.Cli.Dumps;

/// <summary>One non-blank line of a dump file: its 1-based number and either the header or a record.</summary>
internal sealed record DumpLine(int Number, DumpHeader? Header, DumpRecord? Record);

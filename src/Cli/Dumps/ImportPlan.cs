namespace Statehouse.Cli.Dumps;

/// <summary>What an import's first pass over a dump found: its header (null without one), its record count and the file's SHA-256.</summary>
internal sealed record ImportPlan(DumpHeader? Header, long Records, byte[] FileHash);

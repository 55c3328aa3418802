namespace Statehouse.Testing.Storage;

/// <summary>A column family's content in short: its entry count and the SHA-256 (hex) of <see cref="StoreInspector"/>.</summary>
public sealed record FamilyDigest(string Family, long Entries, string Sha256)
{
    public override string ToString() => $"{Family}={Entries}:{Sha256[..12]}";
}

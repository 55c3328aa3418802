namespace Statehouse.Soak.Journal;

/// <summary>An expect-version precondition a transaction carried: the version read just before committing.</summary>
internal sealed record JournalExpectation(string Agent, string Key, long Version);

namespace Statehouse.Soak.Journal;

/// <summary>
/// One line of a client's journal: a transaction's outcome and what it sent. <see cref="ErrorCode"/> names the
/// rejection (e.g. CONFLICT); <see cref="Expected"/> is the expect-version precondition, when there was one.
/// </summary>
internal sealed record JournalEntry(
    string TxnId,
    JournalStatus Status,
    long CommitTs,
    string? ErrorCode,
    IReadOnlyList<JournalOperation> Operations,
    JournalExpectation? Expected);

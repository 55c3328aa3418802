namespace Statehouse.Cli.Dumps;

/// <summary>
/// What an import did, in records and transactions. <see cref="Committed"/>: records this run wrote.
/// <see cref="Skipped"/>: records already imported by an earlier run, found either by txn_id (the worker answered from
/// its inbox: <see cref="TransactionsSkipped"/>) or, beyond the inbox's retention, as a CONFLICT on a record that holds
/// the line's value byte for byte (<see cref="AlreadyPresent"/>, a part of <see cref="Skipped"/>).
/// </summary>
internal sealed record ImportCounts(long Records, long Committed, long Skipped, long AlreadyPresent, long TransactionsCommitted, long TransactionsSkipped);

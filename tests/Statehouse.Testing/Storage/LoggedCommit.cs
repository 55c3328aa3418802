namespace Statehouse.Testing.Storage;

/// <summary>One entry of a store's log column family: the transaction committed at <paramref name="CommitTs"/>.</summary>
/// <param name="CommitTs">The key: the commit's commit_ts.</param>
/// <param name="TxnId">The client's txn_id.</param>
/// <param name="Namespace">The transaction's namespace.</param>
/// <param name="Operations">How many operations it logged.</param>
public sealed record LoggedCommit(long CommitTs, string TxnId, string Namespace, int Operations);

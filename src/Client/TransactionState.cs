namespace Statehouse.Client;

/// <summary>Where a <see cref="StatehouseTransaction"/> is in its life.</summary>
public enum TransactionState
{
    /// <summary>Staging operations; nothing has been sent.</summary>
    Open,

    /// <summary><see cref="StatehouseTransaction.CommitAsync"/> is running.</summary>
    Committing,

    /// <summary>The worker applied the transaction.</summary>
    Committed,

    /// <summary>The commit threw: rejected by the worker (nothing written), or no reply (outcome unknown, see <see cref="Exceptions.StatehouseTimeoutException"/>).</summary>
    Failed,

    /// <summary>Aborted or disposed before commit: nothing was sent.</summary>
    Aborted,
}

namespace Statehouse.Soak.Faults;

/// <summary>
/// One fault as it happened. <see cref="TakeoverSeconds"/>: from the fault until the first commit that a client
/// started after it was acknowledged (the deployment commits again: for a lost or paused primary, a replica took over).
/// <see cref="RecoverySeconds"/>: until the deployment was whole again (the lost worker caught up from the log, the
/// node back in the cluster, the zombie back as a caught-up replica). <see cref="Refused"/>: the resumed zombie
/// stopped with the divergence refusal and was re-seeded.
/// </summary>
internal sealed record FaultRecord(FaultKind Kind, int Number, int AtProgress, double TakeoverSeconds, double RecoverySeconds, bool Refused, string Detail);

namespace Statehouse.Bench.Results;

/// <summary>CPU time a set of processes used during the measured window; 100 % = one core busy all the time.</summary>
internal sealed record CpuShare(string Processes, double CpuSeconds, double PercentOfOneCore);

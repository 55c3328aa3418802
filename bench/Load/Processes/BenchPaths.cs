using Statehouse.Testing.Processes;

namespace Statehouse.Bench.Processes;

/// <summary>Where the worker build and the bench's scratch directories are, below the repository root (<see cref="BuildOutput.RepositoryRoot"/>).</summary>
internal static class BenchPaths
{
    /// <summary>The Release build of the worker, which <c>scripts/bench.sh</c> builds.</summary>
    public static string DefaultWorkerDll() =>
        Path.Combine(BuildOutput.RepositoryRoot(), "src", "Worker", "bin", "Release", "net10.0", BuildOutput.WorkerDllName);

    /// <summary>Scratch space for stores and logs: <c>.state/bench/</c>, git-ignored.</summary>
    public static string StateDirectory() => Path.Combine(BuildOutput.RepositoryRoot(), ".state", "bench");

    /// <summary>Root of the storage benchmarks' stores: <c>.state/bench-storage/</c>, git-ignored.</summary>
    public static string StorageDirectory() => Path.Combine(BuildOutput.RepositoryRoot(), ".state", "bench-storage");
}

using System.Reflection;
using Statehouse.Testing.Processes;

namespace Statehouse.Bench.Processes;

/// <summary>Where the repository, the worker build and the bench's own executable are.</summary>
internal static class BenchPaths
{
    /// <summary>The repository root: the first folder above the bench binary (or the current directory) holding the solution.</summary>
    public static string RepositoryRoot() => BuildOutput.RepositoryRoot();

    /// <summary>The Release build of the worker, which <c>scripts/bench.sh</c> builds.</summary>
    public static string DefaultWorkerDll() =>
        Path.Combine(RepositoryRoot(), "src", "Worker", "bin", "Release", "net10.0", BuildOutput.WorkerDllName);

    /// <summary>Scratch space for stores and logs: <c>.state/bench/</c>, git-ignored.</summary>
    public static string StateDirectory() => Path.Combine(RepositoryRoot(), ".state", "bench");

    /// <summary>Root of the storage benchmarks' stores: <c>.state/bench-storage/</c>, git-ignored.</summary>
    public static string StorageDirectory() => Path.Combine(RepositoryRoot(), ".state", "bench-storage");

    /// <summary>How to start this same program again (for the echo server child): the apphost, or <c>dotnet</c> plus the dll.</summary>
    public static (string FileName, IReadOnlyList<string> Prefix) SelfCommand()
    {
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("The bench's own executable path is unknown.");
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            return (processPath, [Assembly.GetEntryAssembly()!.Location]);
        }

        return (processPath, []);
    }
}

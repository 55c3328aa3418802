using System.Reflection;

namespace Statehouse.Testing.Processes;

/// <summary>
/// Finds this checkout and the build output of its projects, in the configuration this assembly was built in (the
/// tests, the soak and the bench build it together with what they run). The one place that knows where the worker's
/// dll is.
/// </summary>
public static class BuildOutput
{
    /// <summary>The file that marks the repository root.</summary>
    public const string SolutionFile = "Statehouse.Queue.sln";

    /// <summary>The worker's assembly, run as <c>dotnet Statehouse.Worker.dll</c>.</summary>
    public const string WorkerDllName = "Statehouse.Worker.dll";

    /// <summary>Debug or Release: the configuration this assembly was built in.</summary>
    public static string Configuration { get; } =
        typeof(BuildOutput).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>
    /// The worker's own build output, <c>src/Worker/bin/&lt;configuration&gt;/net10.0/Statehouse.Worker.dll</c>, with its
    /// runtimeconfig, deps and appsettings.json beside it (its content root).
    /// </summary>
    /// <exception cref="FileNotFoundException">Not built, or no checkout above this program.</exception>
    public static string WorkerDll => Find("src/Worker", WorkerDllName);

    /// <summary>The repository root: the first directory above this program (or the working directory) with <see cref="SolutionFile"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">There is none.</exception>
    public static string RepositoryRoot() => TryRepositoryRoot()
        ?? throw new DirectoryNotFoundException($"No {SolutionFile} above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}.");

    /// <summary>Like <see cref="RepositoryRoot"/>, or null outside a checkout.</summary>
    public static string? TryRepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// <paramref name="dll"/> in <c>&lt;projectDirectory&gt;/bin/&lt;configuration&gt;/net10.0</c>, with its runtimeconfig.
    /// </summary>
    /// <param name="projectDirectory">Relative to the repository root, e.g. <c>src/Worker</c>.</param>
    /// <param name="dll">The assembly's file name, e.g. <c>Statehouse.Worker.dll</c>.</param>
    /// <param name="configuration">Debug or Release; default <see cref="Configuration"/>.</param>
    /// <exception cref="FileNotFoundException">Not built (the message says how to build it).</exception>
    public static string Find(string projectDirectory, string dll, string? configuration = null)
    {
        configuration ??= Configuration;
        var path = Path.Combine(RepositoryRoot(), projectDirectory, "bin", configuration, "net10.0", dll);
        return File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json"))
            ? path
            : throw new FileNotFoundException($"{path} (with its runtimeconfig.json) does not exist: build it first (dotnet build {projectDirectory} -c {configuration}).", path);
    }
}

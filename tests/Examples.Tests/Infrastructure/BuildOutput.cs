using System.Reflection;

namespace Statehouse.Examples.Tests.Infrastructure;

/// <summary>Finds a project's build output in this checkout, built in the same configuration as the tests.</summary>
internal static class BuildOutput
{
    private static readonly string s_configuration =
        typeof(BuildOutput).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The path of <paramref name="dll"/> in <c>&lt;projectDirectory&gt;/bin/&lt;configuration&gt;/net10.0</c>.</summary>
    /// <param name="projectDirectory">Relative to the repository root, e.g. <c>src/Worker</c>.</param>
    public static string Find(string projectDirectory, string dll)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Statehouse.Queue.sln")))
            {
                var path = Path.Combine(dir.FullName, projectDirectory, "bin", s_configuration, "net10.0", dll);
                return File.Exists(path)
                    ? path
                    : throw new FileNotFoundException($"{path} does not exist: build it first (dotnet build {projectDirectory} -c {s_configuration}).");
            }
        }

        throw new DirectoryNotFoundException($"No Statehouse.Queue.sln above {AppContext.BaseDirectory}.");
    }
}

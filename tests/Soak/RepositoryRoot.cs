namespace Statehouse.Soak;

/// <summary>The checkout the soak runs from, found by its solution file above the binary or the working directory.</summary>
internal static class RepositoryRoot
{
    private const string Marker = "Statehouse.Queue.sln";

    public static string? Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, Marker)))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }
}

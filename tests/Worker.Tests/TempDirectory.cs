namespace Statehouse.Worker.Tests;

/// <summary>
/// A fresh path under the system's temporary directory (<c>statehouse-tests/&lt;guid&gt;</c>), not created yet: a store
/// opened there is a new one. Deleted with everything in it on dispose.
/// </summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "statehouse-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

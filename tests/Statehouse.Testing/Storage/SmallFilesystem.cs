using System.Diagnostics;

namespace Statehouse.Testing.Storage;

/// <summary>
/// A real size-limited filesystem (tmpfs with a size cap, mounted as root) for disk-full tests, and a filler file
/// that takes the free space. Fails loudly where mounting is impossible: a disk-full test must never pass by not running.
/// </summary>
public sealed class SmallFilesystem : IDisposable
{
    private readonly string _filler;

    public SmallFilesystem(int megabytes)
    {
        MountPoint = Path.Combine(Path.GetTempPath(), "statehouse-smallfs", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(MountPoint);
        var (code, output) = Run("mount", $"-t tmpfs -o size={megabytes}m statehouse-test {MountPoint}");
        if (code != 0)
        {
            Directory.Delete(MountPoint);
            throw new InvalidOperationException(
                $"Cannot mount a {megabytes} MiB tmpfs at {MountPoint} (exit {code}: {output.Trim()}). The disk-full tests need root " +
                "and mount(8); run the test suite as root (as scripts/test.sh and .ci/run do on Debian).");
        }

        _filler = Path.Combine(MountPoint, "filler.bin");
    }

    public string MountPoint { get; }

    /// <summary>Writes a filler file until the filesystem reports it is full.</summary>
    public void Fill()
    {
        var chunk = new byte[64 * 1024];
        using var stream = new FileStream(_filler, FileMode.Append, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true)
            {
                stream.Write(chunk);
            }
        }
        catch (IOException)
        {
            // ENOSPC: full.
        }
    }

    /// <summary>Gives the space back.</summary>
    public void Free() => File.Delete(_filler);

    public void Dispose()
    {
        Run("umount", $"-l {MountPoint}");
        try
        {
            Directory.Delete(MountPoint, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static (int Code, string Output) Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}

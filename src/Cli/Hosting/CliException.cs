namespace Statehouse.Cli.Hosting;

/// <summary>A failure the CLI reports itself: its message goes to stderr and <see cref="ExitCode"/> ends the process.</summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);

    public static CliException NotFound(string message) => new(ExitCodes.NotFound, message);

    public static CliException Unavailable(string message, Exception? innerException = null) => new(ExitCodes.Unavailable, message, innerException);
}

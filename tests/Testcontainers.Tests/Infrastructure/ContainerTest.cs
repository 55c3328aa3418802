using Xunit.Abstractions;

namespace Statehouse.Testcontainers.Tests.Infrastructure;

/// <summary>
/// A test that starts real containers: its builders label everything with a run id of its own, and when the test ends
/// it fails if any container, network or volume with that label is left (Ryuk may be off, so nothing else removes them).
/// </summary>
public abstract class ContainerTest(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromMinutes(4);

    private readonly CancellationTokenSource _timeout = new(s_testTimeout);

    internal DockerResources Docker { get; } = new();

    protected string RunId { get; } = DockerResources.NewRunId();

    protected ITestOutputHelper Output { get; } = output;

    /// <summary>Cancelled when the test has run for <see cref="s_testTimeout"/>.</summary>
    protected CancellationToken Ct => _timeout.Token;

    /// <summary>The labels of everything this test creates: <see cref="RunId"/> and the session of scripts/test.sh.</summary>
    protected IReadOnlyDictionary<string, string> Labels => DockerResources.Labels(RunId);

    /// <summary>A builder of the images of <see cref="StatehouseImages"/>, labelled with <see cref="Labels"/>.</summary>
    protected StatehouseBuilder NewBuilder() =>
        new StatehouseBuilder(StatehouseImages.Worker).WithLabel(Labels);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        try
        {
            var left = await Docker.LeftOverAsync(RunId, CancellationToken.None);
            Assert.True(left.Count == 0, $"left behind: {string.Join("; ", left)}");
        }
        finally
        {
            Docker.Dispose();
            _timeout.Dispose();
        }
    }
}

namespace Statehouse.Worker.Security;

/// <summary>The namespaces one broker user may write (commit to) and read (<see cref="AuthorizationOptions.Users"/>).</summary>
internal sealed class NamespaceGrant
{
    public List<string> Write { get; set; } = [];

    public List<string> Read { get; set; } = [];
}

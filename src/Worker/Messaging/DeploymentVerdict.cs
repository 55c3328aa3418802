using System.Diagnostics.CodeAnalysis;
using Statehouse.Contracts;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// What <see cref="DeploymentCheck"/> found: the store is the deployment's (<see cref="IsConfirmed"/>, and
/// <see cref="FirstClaim"/> is the deployment stream's first claim, naming it), or it is not, and <see cref="Refusal"/>
/// says why and what to do, in the words the worker logs and reports in health.
/// </summary>
internal sealed class DeploymentVerdict
{
    private DeploymentVerdict(DeploymentClaim? firstClaim, string? refusal)
    {
        FirstClaim = firstClaim;
        Refusal = refusal;
        IsConfirmed = refusal is null;
    }

    /// <summary>The deployment stream's first claim; null only when that first message is not a claim (refused).</summary>
    public DeploymentClaim? FirstClaim { get; }

    /// <summary>Why the store is not the deployment's; null when it is.</summary>
    public string? Refusal { get; }

    /// <summary>True when the store is the deployment's.</summary>
    [MemberNotNullWhen(true, nameof(FirstClaim))]
    [MemberNotNullWhen(false, nameof(Refusal))]
    public bool IsConfirmed { get; }

    /// <summary>The store is the one <paramref name="firstClaim"/> names.</summary>
    public static DeploymentVerdict Confirmed(DeploymentClaim firstClaim) => new(firstClaim, null);

    /// <summary>The store is not the deployment's, for <paramref name="refusal"/>.</summary>
    public static DeploymentVerdict Refused(DeploymentClaim? firstClaim, string refusal) => new(firstClaim, refusal);
}

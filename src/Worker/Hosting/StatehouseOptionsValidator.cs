using System.Net;
using Microsoft.Extensions.Options;
using Statehouse.Worker.Messaging;

namespace Statehouse.Worker.Hosting;

/// <summary>
/// The rules of every setting (their data annotations) and those that span several settings, each failure naming its
/// setting in the configuration-key form (<c>Statehouse:Commit:Prefetch</c>).
/// </summary>
internal sealed class StatehouseOptionsValidator : IValidateOptions<StatehouseOptions>
{
    public ValidateOptionsResult Validate(string? name, StatehouseOptions options)
    {
        // Every setting's own rule (its DataAnnotations), named as the configuration key a user types.
        var failures = SettingsCheck.AnnotationFailures(options, StatehouseOptions.SectionName).ToList();

        // An empty value is reported by its [Required] rule above.
        if (options.Broker is { Uri: { } uri } broker && !string.IsNullOrWhiteSpace(uri))
        {
            try
            {
                _ = broker.ParseUris();
            }
            catch (FormatException e)
            {
                failures.Add("Statehouse:Broker:Uri " + e.Message);
            }
        }

        if (options.Storage?.Path is { } path && string.IsNullOrWhiteSpace(path))
        {
            failures.Add("Statehouse:Storage:Path must name a directory.");
        }

        // With fewer unacknowledged deliveries allowed than a batch holds, a batch could never fill.
        if (options.Commit is { } commit && commit.Prefetch < commit.MaxBatchCount)
        {
            failures.Add(
                $"Statehouse:Commit:Prefetch ({commit.Prefetch}) must be at least Statehouse:Commit:MaxBatchCount ({commit.MaxBatchCount}).");
        }

        if (options.Commit is { } budgeted && options.Limits is { } sized && DeliveryBudget.For(budgeted, sized) is { Prefetch: 0 } budget)
        {
            failures.Add(
                $"Statehouse:Commit:MemoryBudgetBytes ({budget.BudgetBytes}) cannot hold one delivery of Statehouse:Limits:MaxMessageBytes " +
                $"({sized.MaxMessageBytes}, received into a buffer of {budget.BytesPerDelivery} bytes); raise the budget to at least {budget.BytesPerDelivery} or lower MaxMessageBytes.");
        }

        if (options.Limits is { } limits && limits.MaxValueBytes > limits.MaxMessageBytes)
        {
            failures.Add(
                $"Statehouse:Limits:MaxValueBytes ({limits.MaxValueBytes}) must not exceed Statehouse:Limits:MaxMessageBytes ({limits.MaxMessageBytes}).");
        }

        if (options.Reads is { } reads && reads.DefaultPageSize > reads.MaxPageSize)
        {
            failures.Add(
                $"Statehouse:Reads:DefaultPageSize ({reads.DefaultPageSize}) must not exceed Statehouse:Reads:MaxPageSize ({reads.MaxPageSize}).");
        }

        // Dictionary entries are not reached by the annotations walk above: each namespace's rule is checked here.
        if (options.History?.Retention is { } retention)
        {
            foreach (var (ns, rule) in retention.Namespaces)
            {
                var key = $"Statehouse:History:Retention:Namespaces:{ns}";
                failures.AddRange(rule is null ? [$"{key} must have KeepVersions and/or KeepNewerThan."] : SettingsCheck.AnnotationFailures(rule, key));
            }
        }

        if (options.Http is { Address: { } address } http)
        {
            if (!IPAddress.TryParse(address, out var ip))
            {
                failures.Add($"Statehouse:Http:Address must be an IP address (got '{address}').");
            }
            else if (!IPAddress.IsLoopback(ip) && !http.AllowNonLoopback)
            {
                // The endpoints have no authentication: exposing them beyond this machine must be a decision.
                failures.Add(
                    $"Statehouse:Http:Address ({address}) is not a loopback address; set Statehouse:Http:AllowNonLoopback=true to serve it anyway.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

using System.CommandLine;
using System.Globalization;

namespace Statehouse.Soak;

/// <summary>Whole-number options that refuse values outside their bounds, naming the bounds in the error.</summary>
internal static class BoundedOption
{
    /// <summary>An <c>int</c> option from <paramref name="min"/> to <paramref name="max"/>; <paramref name="fallback"/> when absent (none: required).</summary>
    public static Option<int> Create(string name, string description, int min, int max, int? fallback = null)
    {
        var option = new Option<int>(name) { Description = description, HelpName = "N", Required = fallback is null };
        if (fallback is { } value)
        {
            option.DefaultValueFactory = _ => value;
        }

        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var given && (given < min || given > max))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be a whole number from {min} to {max}, got '{given}'"));
            }
        });
        return option;
    }
}

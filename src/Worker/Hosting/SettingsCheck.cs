using System.Collections;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Statehouse.Worker.Hosting;

/// <summary>
/// Finds every invalid setting before the host starts, each as one line that names it in the configuration-key form a
/// user types (<c>Statehouse:Commit:MaxBatchCount</c>): keys under <c>Statehouse</c> that name no setting (a typo would
/// otherwise leave the default in force without a word), values that do not convert to the setting's type, values that
/// break a setting's DataAnnotations rule, and the rules that span several settings (<see cref="StatehouseOptionsValidator"/>).
/// </summary>
internal static class SettingsCheck
{
    /// <summary>One message per invalid setting; empty when the settings are valid.</summary>
    public static IReadOnlyList<string> Find(IServiceProvider services)
    {
        var problems = new List<string>();
        var section = services.GetRequiredService<IConfiguration>().GetSection(StatehouseOptions.SectionName);
        FindUnknownKeys(section, typeof(StatehouseOptions), problems);
        var unknown = problems.Count;
        FindConversionFailures(section, typeof(StatehouseOptions), problems);
        if (problems.Count > unknown)
        {
            // The binder stops at the first value it cannot convert; these are all of them.
            return problems;
        }

        try
        {
            _ = services.GetRequiredService<IOptions<StatehouseOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            problems.AddRange(e.Failures);
        }
        catch (InvalidOperationException e)
        {
            // A value inside a collection setting (Authorization:Users) that the binder could not convert.
            problems.Add(e.Message);
        }

        return problems;
    }

    /// <summary>
    /// The DataAnnotations failures of <paramref name="options"/> and the settings objects below it, each message naming
    /// its setting by <paramref name="path"/> (e.g. <c>The field Statehouse:Commit:MaxBatchCount must be between 1 and
    /// 10000 (got -5).</c>).
    /// </summary>
    public static IEnumerable<string> AnnotationFailures(object options, string path)
    {
        foreach (var property in Settable(options.GetType()))
        {
            var key = $"{path}:{property.Name}";
            var value = property.GetValue(options);
            var results = new List<ValidationResult>();
            var context = new ValidationContext(options) { MemberName = property.Name, DisplayName = key };
            if (!Validator.TryValidateProperty(value, context, results))
            {
                foreach (var result in results)
                {
                    yield return $"{result.ErrorMessage?.TrimEnd('.')} (got {Shown(value)}).";
                }
            }
            else if (value is not null && IsSettingsObject(property.PropertyType))
            {
                foreach (var failure in AnnotationFailures(value, key))
                {
                    yield return failure;
                }
            }
        }
    }

    private static void FindConversionFailures(IConfigurationSection section, Type type, List<string> problems)
    {
        foreach (var property in Settable(type))
        {
            var child = section.GetSection(property.Name);
            if (IsSettingsObject(property.PropertyType))
            {
                FindConversionFailures(child, property.PropertyType, problems);
                continue;
            }

            if (child.Value is not { } text || (typeof(IEnumerable).IsAssignableFrom(property.PropertyType) && property.PropertyType != typeof(string)))
            {
                continue;
            }

            // The converter the configuration binder uses, so that what passes here binds.
            var converter = TypeDescriptor.GetConverter(property.PropertyType);
            try
            {
                _ = converter.ConvertFromInvariantString(text);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException or UriFormatException)
            {
                problems.Add($"{child.Path} must be {Expected(property.PropertyType)} (got '{text}').");
            }
        }
    }

    /// <summary>
    /// Keys that name no setting, at any depth: the binder ignores them, so a typo would leave the default in force
    /// silently. Below a settings class every key must name one of its settings; below a value nothing may follow; a
    /// list takes its items as <c>:0</c>, <c>:1</c> …; a dictionary's entries are checked against their own type.
    /// </summary>
    private static void FindUnknownKeys(IConfigurationSection section, Type type, List<string> problems)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add($"{section.Path} is a section, not a value (got '{section.Value}'); set its settings as {section.Path}:Name=value.");
        }

        var settable = Settable(type).ToList();
        foreach (var child in section.GetChildren())
        {
            var property = settable.Find(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                problems.Add($"{child.Path} is not a setting; {section.Path} has {string.Join(", ", settable.Select(p => p.Name))}.");
            }
            else
            {
                FindUnknownKeysBelow(child, property.PropertyType, problems);
            }
        }
    }

    private static void FindUnknownKeysBelow(IConfigurationSection section, Type type, List<string> problems)
    {
        if (IsSettingsObject(type))
        {
            FindUnknownKeys(section, type, problems);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            NoValueOnCollection(section, problems, $"{section.Path}:<name>:…");
            foreach (var entry in section.GetChildren())
            {
                FindUnknownKeysBelow(entry, type.GetGenericArguments()[1], problems);
            }
        }
        else if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
        {
            NoValueOnCollection(section, problems, $"{section.Path}:0=value");
            foreach (var item in section.GetChildren().Where(item => !int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                problems.Add($"{item.Path} is not a list item; the items of {section.Path} are {section.Path}:0, {section.Path}:1, ….");
            }
        }
        else if (section.GetChildren().Any())
        {
            problems.Add($"{section.Path} is a value, not a section; {section.GetChildren().First().Path} names no setting.");
        }
    }

    private static void NoValueOnCollection(IConfigurationSection section, List<string> problems, string form)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add($"{section.Path} is a collection, not a value (got '{section.Value}'); write it as {form}.");
        }
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0);

    /// <summary>A class of settings bound from a sub-section (not a value, a URI or a collection).</summary>
    private static bool IsSettingsObject(Type type) =>
        type.IsClass && type != typeof(string) && type != typeof(Uri) && !typeof(IEnumerable).IsAssignableFrom(type);

    private static string Expected(Type type)
    {
        var inner = Nullable.GetUnderlyingType(type) ?? type;
        return inner switch
        {
            _ when inner == typeof(int) || inner == typeof(long) || inner == typeof(short) => "a whole number",
            _ when inner == typeof(double) || inner == typeof(float) || inner == typeof(decimal) => "a number",
            _ when inner == typeof(bool) => "true or false",
            _ when inner == typeof(TimeSpan) => "a time span ([d.]hh:mm:ss, e.g. 7.00:00:00)",
            _ when inner == typeof(Uri) => "a URI",
            { IsEnum: true } => "one of " + string.Join(", ", Enum.GetNames(inner)),
            _ => "a " + inner.Name,
        };
    }

    private static string Shown(object? value) => value switch
    {
        null => "nothing",
        string text => $"'{text}'",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

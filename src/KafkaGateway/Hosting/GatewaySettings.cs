using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Hosting;

/// <summary>One options class and the configuration section it alone binds.</summary>
/// <param name="Section">The section path, e.g. <c>Kafka:Tls</c>.</param>
/// <param name="Options">The options class (a type with a public constant <c>SectionName</c>).</param>
public sealed record GatewaySettingsSection(string Section, Type Options);

/// <summary>
/// The gateway's configuration sections, the keys each accepts and the keys that were renamed, all read from the
/// options classes themselves (every public type with a <c>public const string SectionName</c>), so a new options
/// class or property is known here without a list to keep up to date. Each section is bound by exactly one class; a
/// class's section may sit inside another's (<c>Kafka:Tls</c> inside <c>Kafka</c>) only where the outer class has no
/// property of that name, so every key has one owner.
/// </summary>
/// <remarks>
/// Unknown keys inside these sections fail the start (typo protection): the binder would ignore
/// <c>Producer:LingerMilisecond</c> and leave the default in force without a word. Sections of the framework
/// (Kestrel, Serilog, Logging, AllowedHosts) are not checked here.
/// </remarks>
public static class GatewaySettings
{
    /// <summary>Every options class, ordered by section.</summary>
    public static IReadOnlyList<GatewaySettingsSection> Sections { get; } = typeof(GatewaySettings).Assembly.GetExportedTypes()
        .Select(type => (type, field: type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
        .Where(entry => entry.field is { IsLiteral: true } && entry.field.FieldType == typeof(string))
        .Select(entry => new GatewaySettingsSection((string)entry.field!.GetRawConstantValue()!, entry.type))
        .OrderBy(entry => entry.Section, StringComparer.Ordinal)
        .ToArray();

    /// <summary>
    /// Keys that were renamed, old name to new. A start that still uses an old name fails naming the new one, rather
    /// than ignoring the setting.
    /// </summary>
    public static IReadOnlyDictionary<string, string> RenamedKeys { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        // Issue 16: every duration names its unit in full (…Seconds, …Milliseconds); the values are unchanged.
        ["Producer:LingerMs"] = "Producer:LingerMilliseconds",
        ["Producer:MessageTimeoutMs"] = "Producer:MessageTimeoutMilliseconds",
        ["Producer:DeliveryTimeoutMs"] = "Producer:DeliveryTimeoutMilliseconds",
        ["Producer:StatisticsIntervalMs"] = "Producer:StatisticsIntervalMilliseconds",
        ["Producer:IdempotencyInFlightWaitMs"] = "Producer:IdempotencyInFlightWaitMilliseconds",
    };

    /// <summary>Sections that are no longer read, with what replaces them.</summary>
    private static readonly Dictionary<string, string> s_retiredSections = new(StringComparer.OrdinalIgnoreCase)
    {
        // Retired with the path-string route table: silently ignoring it would leave an operator's override unapplied.
        ["Security:Authorization:Routes"] = "is no longer read: access is declared on each endpoint; override one by name with " +
            "Security:Authorization:Endpoints:<endpoint name>=<access> (see docs/security.md).",
    };

    private static readonly string[] s_topLevel = Sections.Select(s => s.Section.Split(':')[0]).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();

    /// <summary>Every problem with the keys of the gateway's sections in <paramref name="configuration"/>, one line each.</summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        var reportedRetired = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var top in s_topLevel)
        {
            foreach (var (key, value) in configuration.GetSection(top).AsEnumerable().OrderBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase))
            {
                // Sections appear with a null value; an empty value changes nothing, whatever its key.
                if (string.IsNullOrEmpty(value))
                {
                    continue;
                }

                if (RetiredSectionOf(key) is { } retired)
                {
                    if (reportedRetired.Add(retired))
                    {
                        problems.Add($"{retired} {s_retiredSections[retired]}");
                    }

                    continue;
                }

                if (Problem(key) is { } problem)
                {
                    problems.Add(problem);
                }
            }
        }

        return problems;
    }

    /// <summary>Null when <paramref name="key"/> (e.g. <c>Kafka:Tls:CaLocation</c>) is a setting of an options class; otherwise why not.</summary>
    public static string? Problem(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (RenamedKeys.TryGetValue(key, out var renamed))
        {
            return $"{key} was renamed to {renamed} (same value and unit); rename the key.";
        }

        if (RetiredSectionOf(key) is { } retired)
        {
            return $"{retired} {s_retiredSections[retired]}";
        }

        var path = key.Split(':');
        var owner = Sections
            .Select(s => (s, segments: s.Section.Split(':')))
            .Where(entry => entry.segments.Length <= path.Length
                && entry.segments.Select((segment, i) => segment.Equals(path[i], StringComparison.OrdinalIgnoreCase)).All(match => match))
            .OrderByDescending(entry => entry.segments.Length)
            .FirstOrDefault();
        if (owner.s is null)
        {
            return $"{key}: no options class reads the section '{path[0]}'.";
        }

        return Walk(owner.s.Options, path, owner.segments.Length, key);
    }

    /// <summary>The public settable properties a key can name on <paramref name="type"/> (computed properties excluded).</summary>
    public static IReadOnlyList<PropertyInfo> SettingsOf(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .ToArray();
    }

    /// <summary>True for a type bound from one value (numbers, strings, booleans, enums, durations, URIs).</summary>
    public static bool IsValue(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(Uri);
    }

    /// <summary>The value type of a string-keyed dictionary, or null.</summary>
    public static Type? DictionaryValue(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments() is [var keyType, var valueType] && keyType == typeof(string) ? valueType : null;
    }

    /// <summary>The element type of a list or array, or null.</summary>
    public static Type? ListElement(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        return type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(IList<>) || definition == typeof(List<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(ICollection<>))
            ? type.GetGenericArguments()[0]
            : null;
    }

    private static string? Walk(Type type, string[] path, int at, string key)
    {
        if (DictionaryValue(type) is { } valueType)
        {
            if (at >= path.Length)
            {
                return $"{key} names a section, not a setting.";
            }

            return IsValue(valueType)
                ? at == path.Length - 1 ? null : $"{key}: {string.Join(':', path[..(at + 1)])} is a value, not a section."
                : Walk(valueType, path, at + 1, key);
        }

        if (at >= path.Length)
        {
            return $"{key} names a section, not a setting.";
        }

        var settings = SettingsOf(type);
        var property = settings.FirstOrDefault(p => p.Name.Equals(path[at], StringComparison.OrdinalIgnoreCase));
        var parent = string.Join(':', path[..at]);
        if (property is null)
        {
            var suggestion = Closest(path[at], settings.Select(p => p.Name));
            return $"{key} is not a setting{(suggestion is null ? "" : $" (did you mean {parent}:{suggestion}?)")}; " +
                $"{parent} has {string.Join(", ", settings.Select(p => p.Name))} (README, Configuration).";
        }

        var propertyType = property.PropertyType;
        if (IsValue(propertyType))
        {
            return at == path.Length - 1 ? null : $"{key}: {parent}:{property.Name} is a value, not a section.";
        }

        if (ListElement(propertyType) is { } element)
        {
            if (at + 1 >= path.Length || !int.TryParse(path[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return $"{key}: {parent}:{property.Name} is a list; the next segment must be an index (0, 1, ...).";
            }

            return IsValue(element)
                ? at + 1 == path.Length - 1 ? null : $"{key}: the items of {parent}:{property.Name} are values, not sections."
                : Walk(element, path, at + 2, key);
        }

        return Walk(propertyType, path, at + 1, key);
    }

    private static string? RetiredSectionOf(string key) =>
        s_retiredSections.Keys.FirstOrDefault(section =>
            key.Equals(section, StringComparison.OrdinalIgnoreCase) || key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase));

    /// <summary>The name closest to <paramref name="typed"/> within a few edits, or one it begins, or null.</summary>
    private static string? Closest(string typed, IEnumerable<string> names)
    {
        var best = names
            .Select(name => (name, distance: Distance(typed.ToLowerInvariant(), name.ToLowerInvariant())))
            .OrderBy(candidate => candidate.distance)
            .FirstOrDefault();
        if (best.name is not null && best.distance <= Math.Max(2, typed.Length / 4))
        {
            return best.name;
        }

        return names.FirstOrDefault(name => typed.Length >= 4 && name.StartsWith(typed, StringComparison.OrdinalIgnoreCase));
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}

/// <summary>
/// Fails the start on an unknown, renamed or retired key in a gateway section, one message per key. Attached to
/// <see cref="GatewayOptions"/>, which every host validates at start.
/// </summary>
internal sealed class GatewaySettingsValidator(IConfiguration configuration) : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var problems = GatewaySettings.Problems(configuration);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

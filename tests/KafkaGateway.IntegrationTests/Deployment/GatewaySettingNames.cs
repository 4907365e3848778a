using System.Reflection;
using KafkaGateway.Hosting;
using KafkaGateway.Kafka;
using KafkaGateway.Producing;
using KafkaGateway.Schemas;
using KafkaGateway.Security;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>
/// Decides whether an environment variable name (<c>Section__Key</c>) is a setting the gateway reads: it must walk
/// the public properties of the options class bound to that section (by reflection, so a renamed property shows up
/// as drift), or be one of the framework keys the gateway relies on (Kestrel's certificate, Serilog, ASPNETCORE_*).
/// </summary>
internal static class GatewaySettingNames
{
    // Section path -> options type, from each class's SectionName constant; the longest prefix wins (Kafka:Tls).
    private static readonly (string[] Section, Type Options)[] s_sections = new[]
        {
            typeof(KafkaOptions), typeof(KafkaTlsOptions), typeof(GatewayOptions), typeof(ProducerOptions),
            typeof(SchemaRegistryClientOptions), typeof(KafkaGateway.Schemas.Registry.BuiltInRegistryOptions), typeof(SecurityOptions),
        }
        .Select(type => (((string)type.GetField("SectionName")!.GetValue(null)!).Split(':'), type))
        .OrderByDescending(entry => entry.Item1.Length)
        .ToArray();

    private static readonly string[] s_kestrelCertificateKeys = ["Path", "KeyPath", "Password", "AllowInvalid", "Subject", "Store", "Location"];

    private static readonly string[] s_aspNetCoreVariables =
        ["ASPNETCORE_ENVIRONMENT", "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "ASPNETCORE_FORWARDEDHEADERS_ENABLED"];

    /// <summary>Null when <paramref name="variable"/> binds to a setting; otherwise why not.</summary>
    public static string? Problem(string variable)
    {
        if (variable.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || variable.StartsWith("DOTNET_", StringComparison.Ordinal))
        {
            return s_aspNetCoreVariables.Contains(variable, StringComparer.Ordinal) || variable.StartsWith("DOTNET_", StringComparison.Ordinal)
                ? null
                : $"{variable} is not an ASP.NET Core variable the gateway uses";
        }

        var path = variable.Split("__");
        if (path.Any(string.IsNullOrEmpty))
        {
            return $"{variable} has an empty segment";
        }

        if (Is(path, "Kestrel", "Certificates", "Default"))
        {
            return path.Length == 4 && s_kestrelCertificateKeys.Contains(path[3], StringComparer.OrdinalIgnoreCase)
                ? null
                : $"{variable} is not a Kestrel:Certificates:Default key ({string.Join(", ", s_kestrelCertificateKeys)})";
        }

        if (Is(path, "Serilog", "MinimumLevel"))
        {
            return (path.Length == 3 && path[2].Equals("Default", StringComparison.OrdinalIgnoreCase))
                || (path.Length == 4 && path[2].Equals("Override", StringComparison.OrdinalIgnoreCase))
                ? null
                : $"{variable} is not Serilog:MinimumLevel:Default or :Override:<namespace>";
        }

        // Several classes may share a section (SchemaRegistry: the client's and the built-in registry's settings).
        string? problem = null;
        foreach (var (section, options) in s_sections)
        {
            if (Is(path, section))
            {
                if (Walk(options, path[section.Length..], variable) is not { } why)
                {
                    return null;
                }

                problem ??= why;
            }
        }

        return problem ?? $"{variable}: no options class is bound to section '{path[0]}'";
    }

    private static string? Walk(Type type, string[] rest, string variable)
    {
        if (rest.Length == 0)
        {
            return $"{variable} names a section, not a setting";
        }

        var property = type.GetProperty(rest[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null || (property.SetMethod is null && !IsDictionary(property.PropertyType) && !IsBindableClass(property.PropertyType)))
        {
            return $"{variable}: {type.Name} has no settable property '{rest[0]}'";
        }

        var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (IsDictionary(propertyType))
        {
            return rest.Length == 2 ? null : $"{variable}: {type.Name}.{property.Name} takes exactly one key segment";
        }

        if (IsScalar(propertyType))
        {
            return rest.Length == 1 ? null : $"{variable}: {type.Name}.{property.Name} is a value, not a section";
        }

        if (ListElement(propertyType) is { } element)
        {
            // Lists bind from index segments: Security__Authentication__ApiKeys__0__Name.
            if (rest.Length < 2 || !int.TryParse(rest[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                return $"{variable}: {type.Name}.{property.Name} is a list; the next segment must be an index (0, 1, ...)";
            }

            if (IsScalar(element))
            {
                return rest.Length == 2 ? null : $"{variable}: the items of {type.Name}.{property.Name} are values, not sections";
            }

            return Walk(element, rest[2..], variable);
        }

        return Walk(propertyType, rest[1..], variable);
    }

    private static bool Is(string[] path, params string[] prefix) =>
        path.Length > prefix.Length && prefix.Select((segment, i) => segment.Equals(path[i], StringComparison.OrdinalIgnoreCase)).All(match => match);

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(Uri);

    private static Type? ListElement(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericTypeDefinition() is var definition && (definition == typeof(IList<>) || definition == typeof(List<>)
            || definition == typeof(IReadOnlyList<>) || definition == typeof(ICollection<>))
            ? type.GetGenericArguments()[0]
            : null;

    private static bool IsDictionary(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>);

    private static bool IsBindableClass(Type type) => type.IsClass && type != typeof(string);
}

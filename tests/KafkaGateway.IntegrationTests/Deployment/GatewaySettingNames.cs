using KafkaGateway.Hosting;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>
/// Decides whether an environment variable name (<c>Section__Key</c>) is a setting the gateway reads: it must walk
/// the public properties of the options class bound to that section (the gateway's own <see cref="GatewaySettings"/>,
/// which fails the start on the same names), or be one of the framework keys the gateway relies on (Kestrel's
/// certificate, Serilog, ASPNETCORE_*).
/// </summary>
internal static class GatewaySettingNames
{
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

        return GatewaySettings.Problem(string.Join(':', path));
    }

    private static bool Is(string[] path, params string[] prefix) =>
        path.Length > prefix.Length && prefix.Select((segment, i) => segment.Equals(path[i], StringComparison.OrdinalIgnoreCase)).All(match => match);
}

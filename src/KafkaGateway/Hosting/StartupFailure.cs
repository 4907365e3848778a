using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using KafkaGateway.Security;
using KafkaGateway.Tls;

namespace KafkaGateway.Hosting;

/// <summary>
/// A start-up failure the operator causes and fixes (a wrong setting, a port in use, HTTPS without a certificate):
/// the gateway prints one line naming the key or the port and what to do, and exits with code 1. Anything else is
/// a bug and keeps its stack trace.
/// </summary>
public sealed class GatewayConfigurationException(string message) : Exception(message);

/// <summary>Explains the start-up failures an operator can fix in one line.</summary>
public static partial class StartupFailure
{
    /// <summary>The exit code of a start-up that failed on configuration or a listening address.</summary>
    public const int ExitCode = 1;

    /// <summary>
    /// True when the gateway is the process (dotnet run, the container), false when a test host such as
    /// WebApplicationFactory runs Program: that host expects the exception itself, and an entry point that returns
    /// before building a host fails it with a message that hides the cause.
    /// </summary>
    public static bool OwnsProcess { get; } = System.Reflection.Assembly.GetEntryAssembly() == typeof(StartupFailure).Assembly;

    /// <summary>
    /// One line for <paramref name="exception"/>, or null when it is not a configuration problem or the gateway does
    /// not own the process (<see cref="OwnsProcess"/>).
    /// </summary>
    public static string? Explain(Exception exception)
    {
        if (!OwnsProcess)
        {
            return null;
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            var line = current switch
            {
                OptionsValidationException invalid => "invalid configuration: " + string.Join(" ", invalid.Failures),
                GatewayConfigurationException configuration => configuration.Message,
                TlsConfigurationException tls => tls.Message,
                JksKeyStoreException jks => jks.Message,
                IOException { InnerException: AddressInUseException } bind => AddressInUse(bind.Message),
                InvalidOperationException binder when ConfigurationValueMessage().Match(binder.Message) is { Success: true } match =>
                    UnconvertibleValue(match),
                _ => null,
            };
            if (line is not null)
            {
                return "KafkaGateway did not start: " + line;
            }
        }

        return null;
    }

    /// <summary>True for the host's own report of a failure that <see cref="Explain"/> prints instead.</summary>
    public static bool IsReportedByExplain(string? sourceContext, Exception? exception) =>
        exception is not null
        && sourceContext is "Microsoft.Extensions.Hosting.Internal.Host" or "Microsoft.AspNetCore.Hosting.Diagnostics"
        && Explain(exception) is not null;

    private static string AddressInUse(string message)
    {
        var address = BindAddress().Match(message);
        var url = address.Success ? address.Groups["url"].Value : "a listening address";
        var port = address.Success ? address.Groups["port"].Value : "?";
        return $"port {port} ({url}) is already in use, probably by another gateway. Stop that process, or listen on other " +
            "ports, e.g. dotnet run --project src/KafkaGateway -- --urls \"http://localhost:5081;https://localhost:5444\"";
    }

    private static string UnconvertibleValue(Match match)
    {
        var typeName = match.Groups["type"].Value;
        var type = typeof(StartupFailure).Assembly.GetType(typeName);
        var allowed = type is { IsEnum: true }
            ? " Allowed: " + string.Join(", ", Enum.GetNames(type).Select(name => name.ToLowerInvariant())) + "."
            : $" Expected a value of type {typeName}.";
        return $"invalid configuration: {match.Groups["key"].Value} = '{match.Groups["value"].Value}' is not valid.{allowed}";
    }

    // Microsoft.Extensions.Configuration.Binder's message: Failed to convert configuration value 'xml' at 'A:B' to type 'T'.
    [GeneratedRegex("^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'")]
    private static partial Regex ConfigurationValueMessage();

    [GeneratedRegex(@"(?<url>[a-z]+://[^\s]*?:(?<port>\d+))")]
    private static partial Regex BindAddress();
}

using Microsoft.Extensions.Options;

namespace KafkaGateway.Security;

/// <summary>Start-up validation of <c>Security</c>; every message names the key at fault.</summary>
internal sealed class SecurityOptionsValidator : IValidateOptions<SecurityOptions>
{
    private const string Prefix = SecurityOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        var failures = new List<string>();
        var authentication = options.Authentication;
        if (!authentication.AnyConfigured && !options.AllowAnonymous)
        {
            failures.Add($"{Prefix}Authentication: no authentication is configured (ClientCertificates:CaLocation, ApiKeys or Jwt). " +
                $"Configure one, or set {Prefix}AllowAnonymous=true to serve everybody as 'anonymous' (appsettings.Development.json does that for local development).");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < authentication.ApiKeys.Count; i++)
        {
            var key = authentication.ApiKeys[i];
            var at = $"{Prefix}Authentication:ApiKeys:{i}:";
            if (string.IsNullOrWhiteSpace(key.Name) || key.Name.Contains(':', StringComparison.Ordinal))
            {
                failures.Add($"{at}Name is required and must not contain ':' (it is the HTTP Basic user name).");
            }
            else if (key.Name is AccessPolicy.AnonymousPrincipal or "*")
            {
                failures.Add($"{at}Name: '{key.Name}' is reserved (rules use it for unauthenticated requests or any principal).");
            }
            else if (!names.Add(key.Name))
            {
                failures.Add($"{at}Name: '{key.Name}' is used by another key.");
            }

            if (key.Sha256.Trim().Length != 64 || !key.Sha256.Trim().All(char.IsAsciiHexDigit))
            {
                failures.Add($"{at}Sha256 must be the 64-hex-digit SHA-256 of the key (printf %s \"$KEY\" | sha256sum), never the key itself.");
            }
        }

        Add(failures, JwtBearerSetup.Problem(authentication.Jwt));
        Add(failures, ClientCertificateTrust.Problem(authentication.ClientCertificates));

        var rules = options.Authorization.Rules;
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var at = $"{Prefix}Authorization:Rules:{i}:";
            if (string.IsNullOrWhiteSpace(rule.Principal) == string.IsNullOrWhiteSpace(rule.Role))
            {
                failures.Add($"{at}: set exactly one of Principal or Role.");
            }

            if (!string.IsNullOrWhiteSpace(rule.Principal) && !PrincipalNames.BareNamesAllowed(authentication)
                && rule.Principal.Trim() is not ("*" or AccessPolicy.AnonymousPrincipal) && !PrincipalNames.IsQualified(rule.Principal.Trim()))
            {
                failures.Add($"{at}Principal: '{rule.Principal}' names no scheme, and several authentication schemes are configured; " +
                    $"write {PrincipalNames.ApiKey}:{rule.Principal.Trim()}, {PrincipalNames.Certificate}:{rule.Principal.Trim()} or {PrincipalNames.Jwt}:{rule.Principal.Trim()}.");
            }

            if (rule.Permissions.Count == 0)
            {
                failures.Add($"{at}Permissions: at least one of {GatewayPermissions.Names}.");
            }

            foreach (var permission in rule.Permissions.Where(p => !GatewayPermissions.TryParse(p, out _)))
            {
                failures.Add($"{at}Permissions: '{permission}' is not one of {GatewayPermissions.Names}.");
            }

            foreach (var topic in rule.Topics.Where(t => string.IsNullOrWhiteSpace(t) || t.TrimEnd('*').Contains('*', StringComparison.Ordinal) || t.EndsWith("**", StringComparison.Ordinal)))
            {
                failures.Add($"{at}Topics: '{topic}' is not a topic name, a prefix pattern such as 'orders.*', or '*'.");
            }
        }

        // A retired Security:Authorization:Routes section fails the start in GatewaySettings, with the other renamed keys.
        foreach (var (endpoint, access) in options.Authorization.Endpoints)
        {
            if (!GatewayAccessRequirement.TryParseAccess(access, out _, out _))
            {
                failures.Add($"{Prefix}Authorization:Endpoints:{endpoint}: '{access}' is not anonymous, authenticated, describe or one of {GatewayPermissions.Names}.");
            }
        }

        var limits = options.Limits;
        Range(failures, "MaxRequestBodyBytes", limits.MaxRequestBodyBytes, 1024, 1L << 32);
        Range(failures, "MaxJsonDepth", limits.MaxJsonDepth, 4, 256);
        Range(failures, "MaxRequestHeaderCount", limits.MaxRequestHeaderCount, 10, 1000);
        Range(failures, "MaxRequestHeadersTotalBytes", limits.MaxRequestHeadersTotalBytes, 4096, 1 << 20);
        Range(failures, "RequestHeadersTimeoutSeconds", limits.RequestHeadersTimeoutSeconds, 1, 600);
        Range(failures, "MinRequestBodyBytesPerSecond", limits.MinRequestBodyBytesPerSecond, 0, 1 << 20);
        Range(failures, "RequestsPerSecondPerClient", limits.RequestsPerSecondPerClient, 0, 1_000_000);
        if (limits.RequestBurstPerClient is { } burst)
        {
            Range(failures, "RequestBurstPerClient", burst, 1, 10_000_000);
        }

        foreach (var origin in options.Cors.AllowedOrigins.Where(o => o != "*" && !IsOrigin(o)))
        {
            failures.Add($"{Prefix}Cors:AllowedOrigins: '{origin}' is not an origin such as https://console.example.com (scheme, host and optional port, no path), or '*'.");
        }

        if (options.Cors.AllowCredentials && options.Cors.AllowedOrigins.Contains("*"))
        {
            failures.Add($"{Prefix}Cors:AllowCredentials cannot be combined with AllowedOrigins '*'; list the origins.");
        }

        if (options.HstsMaxAgeDays is < 0 or > 3650)
        {
            failures.Add($"{Prefix}HstsMaxAgeDays must be between 0 and 3650 (got {options.HstsMaxAgeDays}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && uri.AbsolutePath == "/" && !origin.EndsWith('/') && uri.Query.Length == 0 && uri.UserInfo.Length == 0;

    private static void Add(List<string> failures, string? problem)
    {
        if (problem is not null)
        {
            failures.Add(problem);
        }
    }

    private static void Range(List<string> failures, string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Prefix}Limits:{key} must be between {min} and {max} (got {value}).");
        }
    }
}

using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Encodings.Web;
using KafkaGateway.Tls;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Security;

/// <summary>
/// Client certificates on the HTTPS listener: Kestrel asks for one without requiring it (so API keys and tokens still
/// work) and accepts any at the TLS level; the certificate authentication handler then requires a chain to
/// <c>Security:Authentication:ClientCertificates:CaLocation</c>, the client-authentication key usage, a current
/// validity period and, when a CRL is configured, a serial number that is not revoked.
/// </summary>
internal static class ClientCertificateAuthentication
{
    public const string SchemeName = "Certificate";

    /// <summary>Called for Kestrel's HTTPS defaults: request a client certificate when the scheme is configured.</summary>
    public static void ConfigureHttps(HttpsConnectionAdapterOptions https, IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(configuration[$"{SecurityOptions.SectionName}:Authentication:ClientCertificates:CaLocation"]))
        {
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            // Trust is decided by the authentication handler against the configured CA, not the system store.
            https.AllowAnyClientCertificate();
        }
    }
}

/// <summary>
/// Authenticates the TLS client certificate: it must be currently valid, allowed for client authentication, chain to
/// a configured CA (only those: the system store is not consulted) and not be on the configured CRL.
/// </summary>
/// <remarks>Written here rather than taken from Microsoft.AspNetCore.Authentication.Certificate, which is a separate
/// package and would add nothing but its options surface for these few checks.</remarks>
internal sealed class ClientCertificateAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ClientCertificateTrust trust,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    private const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var certificate = Context.Connection.ClientCertificate;
        if (certificate is null || trust.Authorities.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        return Task.FromResult(Check(certificate) is { } problem
            ? AuthenticateResult.Fail($"client certificate '{certificate.Subject}' refused: {problem}")
            : Success(certificate));
    }

    private string? Check(X509Certificate2 certificate)
    {
        var now = time.GetUtcNow();
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            return $"outside its validity period {certificate.NotBefore.ToUniversalTime():O} - {certificate.NotAfter.ToUniversalTime():O}";
        }

        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault()?.EnhancedKeyUsages;
        if (usages is not null && !usages.Cast<Oid>().Any(u => u.Value == ClientAuthenticationOid))
        {
            return "not issued for client authentication (extended key usage)";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust.Authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        if (!chain.Build(certificate))
        {
            return "not issued by a trusted CA (" + string.Join(", ", chain.ChainStatus.Select(s => s.Status)) + ")";
        }

        if (trust.Revocations?.IsRevoked(certificate) == true)
        {
            return "revoked";
        }

        return trust.PrincipalOf(certificate) is { Length: > 0 } ? null : $"it has no {trust.PrincipalFrom} to name the principal";
    }

    private AuthenticateResult Success(X509Certificate2 certificate)
    {
        var identity = new ClaimsIdentity(ClientCertificateAuthentication.SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, PrincipalNames.Of(PrincipalNames.Certificate, trust.PrincipalOf(certificate)!)));
        identity.AddClaim(new Claim("x5t", certificate.Thumbprint));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ClientCertificateAuthentication.SchemeName));
    }
}

/// <summary>The CA certificates and CRL client certificates are checked against, loaded once at start-up.</summary>
internal sealed class ClientCertificateTrust
{
    public ClientCertificateTrust(IOptions<SecurityOptions> options)
    {
        var settings = options.Value.Authentication.ClientCertificates;
        PrincipalFrom = settings.PrincipalFrom.Trim().ToLowerInvariant();
        if (!settings.IsEnabled)
        {
            return;
        }

        Authorities.ImportFromPemFile(settings.CaLocation!);
        if (!string.IsNullOrWhiteSpace(settings.CrlLocation))
        {
            Revocations = CertificateRevocationList.Load(File.ReadAllBytes(settings.CrlLocation), Authorities);
        }
    }

    public X509Certificate2Collection Authorities { get; } = [];

    public CertificateRevocationList? Revocations { get; }

    public string PrincipalFrom { get; }

    /// <summary>Loads and checks the configured files; the problem, naming the key, or null.</summary>
    public static string? Problem(ClientCertificateSettings settings)
    {
        const string prefix = SecurityOptions.SectionName + ":Authentication:ClientCertificates:";
        if (!IsKnownPrincipalSource(settings.PrincipalFrom))
        {
            return $"{prefix}PrincipalFrom: '{settings.PrincipalFrom}' is not one of cn, san-dns, san-email, san-uri.";
        }

        if (!settings.IsEnabled)
        {
            return string.IsNullOrWhiteSpace(settings.CrlLocation) ? null : $"{prefix}CrlLocation needs {prefix}CaLocation.";
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(settings.CaLocation!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return $"{prefix}CaLocation: cannot read '{settings.CaLocation}' as PEM certificates: {ex.Message}";
        }

        if (authorities.Count == 0)
        {
            return $"{prefix}CaLocation: '{settings.CaLocation}' holds no PEM certificate.";
        }

        if (!string.IsNullOrWhiteSpace(settings.CrlLocation))
        {
            try
            {
                _ = CertificateRevocationList.Load(File.ReadAllBytes(settings.CrlLocation), authorities);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or FormatException)
            {
                return $"{prefix}CrlLocation: cannot use '{settings.CrlLocation}': {ex.Message}";
            }
        }

        return null;
    }

    /// <summary>The principal name of <paramref name="certificate"/> per <c>PrincipalFrom</c>.</summary>
    public string? PrincipalOf(X509Certificate2 certificate) => PrincipalFrom switch
    {
        "san-dns" => certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).FirstOrDefault(),
        "san-email" => Optional(certificate.GetNameInfo(X509NameType.EmailName, forIssuer: false)),
        "san-uri" => Optional(certificate.GetNameInfo(X509NameType.UrlName, forIssuer: false)),
        _ => Optional(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false)),
    };

    private static bool IsKnownPrincipalSource(string value) =>
        value.Trim().ToLowerInvariant() is "cn" or "san-dns" or "san-email" or "san-uri";

    private static string? Optional(string value) => string.IsNullOrEmpty(value) ? null : value;
}

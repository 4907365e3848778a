using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace KafkaGateway.Security;

/// <summary>JWT bearer validation from <c>Security:Authentication:Jwt</c>: an OpenID Connect authority (JWKS) or a static key.</summary>
internal static class JwtBearerSetup
{
    public const string SchemeName = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>
    /// The claim holding the gateway's principal name (<c>jwt:&lt;name claim&gt;</c>); a token's own claim of this
    /// type is dropped, so a token cannot name itself.
    /// </summary>
    public const string PrincipalClaim = "kafkagateway:principal";
    private const string Prefix = SecurityOptions.SectionName + ":Authentication:Jwt:";

    public static void Configure(JwtBearerOptions options, JwtSettings settings)
    {
        options.MapInboundClaims = false;
        options.RequireHttpsMetadata = settings.RequireHttpsMetadata;
        if (!string.IsNullOrWhiteSpace(settings.Authority))
        {
            options.Authority = settings.Authority;
        }

        if (!string.IsNullOrWhiteSpace(settings.MetadataAddress))
        {
            options.MetadataAddress = settings.MetadataAddress;
        }

        var parameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = string.IsNullOrWhiteSpace(settings.Issuer) ? null : settings.Issuer,
            ValidateAudience = true,
            ValidAudience = settings.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(settings.ClockSkewSeconds),
            NameClaimType = PrincipalClaim,
            RoleClaimType = settings.RoleClaim,
        };
        if (StaticKey(settings) is { } key)
        {
            parameters.IssuerSigningKey = key;
            parameters.ValidateIssuerSigningKey = true;
        }

        options.TokenValidationParameters = parameters;
        options.Events = new JwtBearerEvents { OnTokenValidated = context => NamePrincipal(context, settings) };
    }

    /// <summary>
    /// A valid token without the name claim is refused (401 invalid_credentials): it would otherwise act as
    /// nobody in particular. Otherwise the principal is renamed <c>jwt:&lt;name&gt;</c>.
    /// </summary>
    private static Task NamePrincipal(TokenValidatedContext context, JwtSettings settings)
    {
        var claims = context.Principal?.Claims.ToList() ?? [];
        var name = claims.FirstOrDefault(c => c.Type == settings.NameClaim)?.Value;
        if (string.IsNullOrWhiteSpace(name))
        {
            context.Fail($"the token has no '{settings.NameClaim}' claim (Security:Authentication:Jwt:NameClaim) to name the principal");
            return Task.CompletedTask;
        }

        var identity = new ClaimsIdentity(
            claims.Where(c => c.Type != PrincipalClaim).Select(c => new Claim(c.Type, c.Value, c.ValueType, c.Issuer, c.OriginalIssuer)),
            SchemeName, PrincipalClaim, settings.RoleClaim);
        identity.AddClaim(new Claim(PrincipalClaim, PrincipalNames.Of(PrincipalNames.Jwt, name)));
        context.Principal = new ClaimsPrincipal(identity);
        return Task.CompletedTask;
    }

    /// <summary>The configured symmetric or public key, or null when keys come from the authority.</summary>
    public static SecurityKey? StaticKey(JwtSettings settings)
    {
        if (!string.IsNullOrWhiteSpace(settings.SigningKey))
        {
            return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.SigningKey));
        }

        var pem = !string.IsNullOrWhiteSpace(settings.PublicKeyPem) ? settings.PublicKeyPem
            : !string.IsNullOrWhiteSpace(settings.PublicKeyLocation) ? File.ReadAllText(settings.PublicKeyLocation)
            : null;
        if (pem is null)
        {
            return null;
        }

        try
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return new RsaSecurityKey(rsa);
        }
        catch (ArgumentException)
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(pem);
            return new ECDsaSecurityKey(ecdsa);
        }
    }

    /// <summary>What is wrong with the JWT settings (naming the key), or null.</summary>
    public static string? Problem(JwtSettings settings)
    {
        if (!settings.IsEnabled)
        {
            return null;
        }

        var authority = !string.IsNullOrWhiteSpace(settings.Authority) || !string.IsNullOrWhiteSpace(settings.MetadataAddress);
        var keys = new[] { settings.SigningKey, settings.PublicKeyPem, settings.PublicKeyLocation }.Count(k => !string.IsNullOrWhiteSpace(k));
        if (keys > 1 || (authority && keys > 0))
        {
            return $"{Prefix}: set exactly one of Authority (or MetadataAddress), SigningKey, PublicKeyPem, PublicKeyLocation.";
        }

        if (string.IsNullOrWhiteSpace(settings.Audience))
        {
            return $"{Prefix}Audience is required: tokens issued for other services must not be accepted.";
        }

        if (!authority && string.IsNullOrWhiteSpace(settings.Issuer))
        {
            return $"{Prefix}Issuer is required with a static signing key.";
        }

        if (settings.ClockSkewSeconds is < 0 or > 600)
        {
            return $"{Prefix}ClockSkewSeconds must be between 0 and 600 (got {settings.ClockSkewSeconds}).";
        }

        if (!string.IsNullOrWhiteSpace(settings.SigningKey) && Encoding.UTF8.GetByteCount(settings.SigningKey) < 32)
        {
            return $"{Prefix}SigningKey must be at least 32 bytes (256 bits).";
        }

        try
        {
            _ = StaticKey(settings);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or CryptographicException)
        {
            var key = !string.IsNullOrWhiteSpace(settings.PublicKeyPem) ? "PublicKeyPem" : "PublicKeyLocation";
            return $"{Prefix}{key}: not a PEM RSA or EC public key ({ex.Message}).";
        }

        return null;
    }
}

using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Security;

/// <summary>
/// API keys from <c>Security:Authentication:ApiKeys</c>, presented as <c>Authorization: ApiKey &lt;key&gt;</c>,
/// <c>X-API-Key: &lt;key&gt;</c> or HTTP Basic (user name = key name, password = key). Only SHA-256 hashes are
/// configured; the presented key's hash is compared with every configured hash in constant time.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-API-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!TryReadCredentials(Request, out var presentedName, out var key))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (keys.Find(key) is not { } match || (presentedName is not null && !string.Equals(presentedName, match.Name, StringComparison.Ordinal)))
        {
            return Task.FromResult(AuthenticateResult.Fail("unknown API key"));
        }

        var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, match.PrincipalName));
        foreach (var role in match.Roles)
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, role));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <summary>True when the request carries API key credentials in any accepted form.</summary>
    public static bool HasCredentials(HttpRequest request) =>
        request.Headers.ContainsKey(HeaderName)
        || request.Headers.Authorization.ToString() is var authorization
            && (authorization.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase) || authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase));

    private static bool TryReadCredentials(HttpRequest request, out string? name, out string key)
    {
        name = null;
        key = "";
        if (request.Headers.TryGetValue(HeaderName, out var header) && header.Count == 1 && !string.IsNullOrEmpty(header[0]))
        {
            key = header[0]!;
            return true;
        }

        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var authorization) || authorization.Parameter is null)
        {
            return false;
        }

        if (authorization.Scheme.Equals(SchemeName, StringComparison.OrdinalIgnoreCase))
        {
            key = authorization.Parameter;
            return true;
        }

        if (!authorization.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization.Parameter));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return false;
            }

            name = decoded[..colon];
            key = decoded[(colon + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>A configured API key: its settings and the principal name it signs in as (<c>apikey:&lt;name&gt;</c>).</summary>
internal sealed record ApiKeyMatch(string Name, string PrincipalName, IList<string> Roles);

/// <summary>The configured API keys, by hash.</summary>
internal sealed class ApiKeyStore(IOptions<SecurityOptions> options)
{
    /// <summary>Longer keys are hashed from a rented buffer instead of the stack.</summary>
    private const int StackKeyBytes = 256;

    // An array (no enumerator object per lookup) and the principal name built once per key, not per request.
    private readonly (byte[] Hash, ApiKeyMatch Key)[] _keys =
        [.. options.Value.Authentication.ApiKeys.Select(k => (Convert.FromHexString(k.Sha256.Trim()),
            new ApiKeyMatch(k.Name, PrincipalNames.Of(PrincipalNames.ApiKey, k.Name), k.Roles)))];

    /// <summary>The key whose hash matches; every configured hash is compared, in constant time each.</summary>
    public ApiKeyMatch? Find(string presentedKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var length = Encoding.UTF8.GetMaxByteCount(presentedKey.Length);
        byte[]? rented = length > StackKeyBytes ? System.Buffers.ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> utf8 = rented is null ? stackalloc byte[StackKeyBytes] : rented;
        try
        {
            var written = Encoding.UTF8.GetBytes(presentedKey, utf8);
            SHA256.HashData(utf8[..written], hash);
        }
        finally
        {
            if (rented is not null)
            {
                CryptographicOperations.ZeroMemory(rented);
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
            else
            {
                // The presented key was on the stack; do not leave it there.
                CryptographicOperations.ZeroMemory(utf8);
            }
        }

        ApiKeyMatch? match = null;
        foreach (var (expected, key) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                match ??= key;
            }
        }

        return match;
    }
}

using System.Collections.ObjectModel;
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

    /// <summary>
    /// The key's result from <see cref="ApiKeyStore"/>, which <see cref="GatewayAuthentication"/> also asks directly
    /// (without a handler per request), so the two ways in cannot disagree.
    /// </summary>
    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => keys.AuthenticateAsync(Request);

    /// <summary>True when the request carries API key credentials in any accepted form.</summary>
    public static bool HasCredentials(HttpRequest request) =>
        request.Headers.ContainsKey(HeaderName)
        || request.Headers.Authorization.ToString() is var authorization
            && (authorization.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase) || authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase));

    internal static bool TryReadCredentials(HttpRequest request, out string? name, out string key)
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

/// <summary>
/// A configured API key: its name, the principal name it signs in as (<c>apikey:&lt;name&gt;</c>), its roles, and its
/// authentication result. The result (ticket, principal, identity, claims) is the same for every request that presents
/// the key, so it is built once, at start-up, and shared: a <see cref="ReadOnlyClaimsPrincipal"/> (no identity or claim
/// can be added to it) with read-only, empty ticket properties. Each key has its own; nothing is shared between keys.
/// </summary>
internal sealed class ApiKeyMatch
{
    public ApiKeyMatch(string name, string principalName, IList<string> roles)
    {
        Name = name;
        PrincipalName = principalName;
        Roles = [.. roles];
        Claim[] claims = [new Claim(ClaimTypes.Name, principalName), .. Roles.Select(role => new Claim(ClaimTypes.Role, role))];
        var identity = new ReadOnlyClaimsIdentity(claims, ApiKeyAuthenticationHandler.SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        var properties = new AuthenticationProperties(ReadOnlyDictionary<string, string?>.Empty, ReadOnlyDictionary<string, object?>.Empty);
        Result = AuthenticateResult.Success(new AuthenticationTicket(new ReadOnlyClaimsPrincipal(identity), properties, ApiKeyAuthenticationHandler.SchemeName));
        ResultTask = Task.FromResult(Result);
    }

    /// <summary>A result of its own for one request, changeable (for a claims transformation, see <see cref="ApiKeyStore"/>).</summary>
    public AuthenticateResult NewResult()
    {
        var identity = new ClaimsIdentity(ApiKeyAuthenticationHandler.SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaims(Result.Principal!.Claims);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiKeyAuthenticationHandler.SchemeName));
    }

    /// <summary><c>...:Name</c>.</summary>
    public string Name { get; }

    /// <summary><c>apikey:&lt;name&gt;</c>.</summary>
    public string PrincipalName { get; }

    /// <summary><c>...:Roles</c>.</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>The successful authentication of a request presenting this key.</summary>
    public AuthenticateResult Result { get; }

    /// <summary><see cref="Result"/>, completed.</summary>
    public Task<AuthenticateResult> ResultTask { get; }
}

/// <summary>
/// The configured API keys, by hash. Each key's result is shared by the requests presenting it
/// (<see cref="SharesResults"/>) unless a claims transformation is registered: transformations commonly add claims to
/// the principal they are given (even "cloned", a principal shares its identities), so with one every request gets a
/// principal of its own, as before.
/// </summary>
internal sealed class ApiKeyStore(IOptions<SecurityOptions> options, IClaimsTransformation transformation)
{
    /// <summary>Longer keys are hashed from a rented buffer instead of the stack.</summary>
    private const int StackKeyBytes = 256;

    private static readonly Task<AuthenticateResult> s_noResult = Task.FromResult(AuthenticateResult.NoResult());

    // An array (no enumerator object per lookup); each key's principal name and result built once, not per request.
    private readonly (byte[] Hash, ApiKeyMatch Key)[] _keys =
        [.. options.Value.Authentication.ApiKeys.Select(k => (Convert.FromHexString(k.Sha256.Trim()),
            new ApiKeyMatch(k.Name, PrincipalNames.Of(PrincipalNames.ApiKey, k.Name), k.Roles)))];

    /// <summary>Whether requests presenting the same key share its result (no claims transformation registered).</summary>
    public bool SharesResults { get; } = transformation is NoopClaimsTransformation;

    /// <summary>
    /// The API key the request's credentials name, or null: none readable, an unknown key, or a Basic user name that
    /// is not the key's name. The presented key is hashed and compared with every configured hash on every call; only
    /// what follows from a match (the key's result) is reused.
    /// </summary>
    public ApiKeyMatch? Authenticated(HttpRequest request) => Match(request, out _);

    /// <summary>
    /// The scheme's answer for the request: the key's own result, "no result" without readable credentials, a
    /// failure for an unknown key or a Basic user name that is not the key's.
    /// </summary>
    public Task<AuthenticateResult> AuthenticateAsync(HttpRequest request) =>
        Match(request, out var readable) is { } match ? SharesResults ? match.ResultTask : Task.FromResult(match.NewResult())
        : readable ? Task.FromResult(AuthenticateResult.Fail("unknown API key"))
        : s_noResult;

    private ApiKeyMatch? Match(HttpRequest request, out bool readable)
    {
        readable = ApiKeyAuthenticationHandler.TryReadCredentials(request, out var presentedName, out var key);
        return readable && Find(key) is { } match && (presentedName is null || string.Equals(presentedName, match.Name, StringComparison.Ordinal))
            ? match
            : null;
    }

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

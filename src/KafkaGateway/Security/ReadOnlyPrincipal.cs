using System.Security.Claims;

namespace KafkaGateway.Security;

/// <summary>
/// A principal whose identities cannot change after it is built. An API key's principal is built once and shared by
/// every request that presents that key (<see cref="ApiKeyStore"/>), so a request must not be able to give it an
/// identity the next request would carry: adding one throws instead of leaking. Nothing in the gateway adds identities
/// or claims to a request's user; with a claims transformation registered (which commonly does) API keys get a
/// principal of their own per request instead (<see cref="ApiKeyStore.SharesResults"/>).
/// </summary>
internal sealed class ReadOnlyClaimsPrincipal(ReadOnlyClaimsIdentity identity) : ClaimsPrincipal(identity)
{
    /// <summary>The one identity (the base class searches its list for the first non-null one on every read).</summary>
    public override System.Security.Principal.IIdentity? Identity => identity;

    public override void AddIdentity(ClaimsIdentity identity) => throw ReadOnlyClaimsIdentity.Shared();

    public override void AddIdentities(IEnumerable<ClaimsIdentity> identities) => throw ReadOnlyClaimsIdentity.Shared();
}

/// <summary>
/// An identity whose claims cannot change after it is built (see <see cref="ReadOnlyClaimsPrincipal"/>): adding or
/// removing a claim throws. Its name is therefore read once (the base class searches the claims on every read).
/// </summary>
internal sealed class ReadOnlyClaimsIdentity : ClaimsIdentity
{
    private readonly string? _name;

    public ReadOnlyClaimsIdentity(IEnumerable<Claim> claims, string authenticationType, string nameType, string roleType)
        : base(claims, authenticationType, nameType, roleType) =>
        _name = base.Name;

    public override string? Name => _name;

    public override void AddClaim(Claim claim) => throw Shared();

    public override void AddClaims(IEnumerable<Claim?> claims) => throw Shared();

    public override bool TryRemoveClaim(Claim? claim) => throw Shared();

    public override void RemoveClaim(Claim? claim) => throw Shared();

    internal static InvalidOperationException Shared() =>
        new("This principal is shared by every request authenticated with the same credentials and cannot be changed; build a principal of your own instead.");
}

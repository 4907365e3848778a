using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace KafkaGateway.Security;

/// <summary>Kinds of access an endpoint declares.</summary>
public enum AccessKind
{
    /// <summary>Open to everybody (health, Swagger).</summary>
    Anonymous,

    /// <summary>Any principal that got in (or <c>anonymous</c> when <c>Security:AllowAnonymous</c>).</summary>
    Authenticated,

    /// <summary>A permission from the rules, on the endpoint's topic when it has one.</summary>
    Permission,

    /// <summary>Any of produce, consume or admin on the topic (describing it).</summary>
    Describe,
}

/// <summary>What one request needs, once the topic is known.</summary>
/// <param name="Kind">The kind of access.</param>
/// <param name="Permission">The permission when <paramref name="Kind"/> is <see cref="AccessKind.Permission"/>.</param>
/// <param name="Topic">The topic the permission is checked on; null when not topic-scoped (rules must cover <c>*</c>).</param>
public readonly record struct ResolvedAccess(AccessKind Kind, GatewayPermission? Permission, string? Topic)
{
    /// <summary>The access name as configuration writes it (<c>anonymous</c>, <c>describe</c>, <c>schemas:write</c>, ...).</summary>
    public string Name => Kind switch
    {
        AccessKind.Anonymous => "anonymous",
        AccessKind.Authenticated => "authenticated",
        AccessKind.Describe => "describe",
        _ => GatewayPermissions.Name(Permission!.Value),
    };
}

/// <summary>
/// The topic an imperative check is about, as the resource of
/// <see cref="IAuthorizationService.AuthorizeAsync(ClaimsPrincipal, object?, IEnumerable{IAuthorizationRequirement})"/>.
/// </summary>
/// <param name="Topic">The topic; null for checks that are not topic-scoped.</param>
public sealed record TopicResource(string? Topic);

/// <summary>
/// A requirement the gateway's authorization handler evaluates: it knows, for a request (or a
/// <see cref="TopicResource"/>), which access is needed on which topic.
/// </summary>
public interface IGatewayAccessRequirement : IAuthorizationRequirement
{
    /// <summary>The access needed for <paramref name="resource"/> (an <see cref="HttpContext"/> or a <see cref="TopicResource"/>).</summary>
    ResolvedAccess Resolve(object? resource);
}

/// <summary>
/// The requirement declared on an endpoint: a kind (and permission) plus where the topic comes from — the route
/// value <see cref="TopicFrom"/> (<c>topic</c>, or <c>subject</c> whose <c>-key</c>/<c>-value</c> suffix is
/// dropped), or the <see cref="TopicResource"/> of an imperative check.
/// </summary>
public sealed class GatewayAccessRequirement : IGatewayAccessRequirement
{
    /// <summary>Creates a requirement.</summary>
    public GatewayAccessRequirement(AccessKind kind, GatewayPermission? permission, string? topicFrom)
    {
        if ((kind == AccessKind.Permission) != permission.HasValue)
        {
            throw new ArgumentException("A permission requirement names its permission, and only it does.", nameof(permission));
        }

        Kind = kind;
        Permission = permission;
        TopicFrom = topicFrom;
    }

    /// <summary>Any principal that got in; also the policy of requests no endpoint matched.</summary>
    public static GatewayAccessRequirement Authenticated { get; } = new(AccessKind.Authenticated, null, null);

    /// <summary>The kind of access.</summary>
    public AccessKind Kind { get; }

    /// <summary>The permission when <see cref="Kind"/> is <see cref="AccessKind.Permission"/>.</summary>
    public GatewayPermission? Permission { get; }

    /// <summary>The route value naming the topic (or subject); null when the endpoint is not topic-scoped.</summary>
    public string? TopicFrom { get; }

    /// <summary>For imperative checks: <paramref name="permission"/> on the topic of the <see cref="TopicResource"/>.</summary>
    public static GatewayAccessRequirement For(GatewayPermission permission) => new(AccessKind.Permission, permission, null);

    /// <inheritdoc />
    public ResolvedAccess Resolve(object? resource) => new(Kind, Permission, resource switch
    {
        TopicResource topic => topic.Topic,
        HttpContext http when TopicFrom is not null => TopicOf(TopicFrom, http.GetRouteValue(TopicFrom) as string),
        _ => null,
    });

    /// <summary>The topic a route value names: a subject loses its <c>-key</c>/<c>-value</c> suffix.</summary>
    public static string? TopicOf(string routeValue, string? value)
    {
        if (value is null || routeValue != "subject")
        {
            return value;
        }

        return value.EndsWith("-value", StringComparison.Ordinal) ? value[..^6]
            : value.EndsWith("-key", StringComparison.Ordinal) ? value[..^4]
            : value;
    }

    /// <summary>Parses an access name (<c>anonymous</c>, <c>authenticated</c>, <c>describe</c> or a permission).</summary>
    public static bool TryParseAccess(string? access, out AccessKind kind, out GatewayPermission? permission)
    {
        permission = null;
        switch (access?.Trim().ToLowerInvariant())
        {
            case "anonymous":
                kind = AccessKind.Anonymous;
                return true;
            case "authenticated":
                kind = AccessKind.Authenticated;
                return true;
            case "describe":
                kind = AccessKind.Describe;
                return true;
        }

        kind = AccessKind.Permission;
        if (GatewayPermissions.TryParse(access, out var parsed))
        {
            permission = parsed;
            return true;
        }

        return false;
    }

    /// <inheritdoc />
    public override string ToString() => $"{new ResolvedAccess(Kind, Permission, null).Name}{(TopicFrom is null ? "" : $" on {{{TopicFrom}}}")}";
}

/// <summary>
/// The fallback policy's requirement. The authorization middleware adds the fallback policy to every endpoint's
/// own requirements, so this one stands aside (succeeds) where the endpoint declares access and asks for a signed-in
/// principal only where no endpoint matched (an unknown path answers 404 only to principals that got in).
/// </summary>
internal sealed class UndeclaredEndpointRequirement : IGatewayAccessRequirement
{
    public static UndeclaredEndpointRequirement Instance { get; } = new();

    public ResolvedAccess Resolve(object? resource) =>
        resource is HttpContext http && EndpointAccess.DeclaredBy(http.GetEndpoint()) is not null
            ? new ResolvedAccess(AccessKind.Anonymous, null, null)
            : new ResolvedAccess(AccessKind.Authenticated, null, null);
}

/// <summary>
/// Declares what an action needs, as endpoint metadata the standard authorization middleware evaluates
/// (<see cref="IAuthorizationRequirementData"/>). Every endpoint carries one: the start-up check refuses to run
/// otherwise. Topic-scoped kinds read the topic from the route value <see cref="TopicFrom"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false)]
public sealed class GatewayAccessAttribute : Attribute, IAuthorizationRequirementData
{
    /// <summary>A permission; on the route value <see cref="TopicFrom"/> (default <c>topic</c>) when the route has it.</summary>
    public GatewayAccessAttribute(GatewayPermission permission)
    {
        Kind = AccessKind.Permission;
        Permission = permission;
    }

    /// <summary><see cref="AccessKind.Anonymous"/>, <see cref="AccessKind.Authenticated"/> or <see cref="AccessKind.Describe"/>.</summary>
    public GatewayAccessAttribute(AccessKind kind)
    {
        if (kind == AccessKind.Permission)
        {
            throw new ArgumentException("Name the permission: [GatewayAccess(GatewayPermission.X)].", nameof(kind));
        }

        Kind = kind;
    }

    /// <summary>The kind of access.</summary>
    public AccessKind Kind { get; }

    /// <summary>The permission, for <see cref="AccessKind.Permission"/>.</summary>
    public GatewayPermission? Permission { get; }

    /// <summary>
    /// The route value naming the topic (<c>topic</c>, or <c>subject</c>); empty for endpoints that are not
    /// topic-scoped (then a permission needs a rule covering <c>*</c>). Default <c>topic</c> for
    /// <see cref="AccessKind.Permission"/> and <see cref="AccessKind.Describe"/>.
    /// </summary>
    public string TopicFrom { get; init; } = "topic";

    /// <summary>Marks the permission as not topic-scoped (consumer groups, brokers, topic creation).</summary>
    public bool Global { get; init; }

    /// <summary>The requirement this attribute declares.</summary>
    public GatewayAccessRequirement Requirement => new(Kind, Permission,
        Global || Kind is AccessKind.Anonymous or AccessKind.Authenticated || string.IsNullOrEmpty(TopicFrom) ? null : TopicFrom);

    /// <inheritdoc />
    public IEnumerable<IAuthorizationRequirement> GetRequirements() => [Requirement];
}

/// <summary>Endpoint metadata carrying a requirement of its own (minimal endpoints, the registry forwarder).</summary>
/// <param name="requirement">The requirement.</param>
public sealed class GatewayAccessMetadata(IGatewayAccessRequirement requirement) : IAuthorizationRequirementData
{
    /// <summary>The requirement.</summary>
    public IGatewayAccessRequirement Requirement { get; } = requirement;

    /// <inheritdoc />
    public IEnumerable<IAuthorizationRequirement> GetRequirements() => [Requirement];
}

/// <summary>Declaring access on endpoints mapped outside MVC.</summary>
public static class GatewayAccessEndpointExtensions
{
    /// <summary>The endpoint needs <paramref name="kind"/> (not topic-scoped).</summary>
    public static TBuilder RequireGatewayAccess<TBuilder>(this TBuilder builder, AccessKind kind)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireGatewayAccess(new GatewayAccessRequirement(kind, null, null));

    /// <summary>The endpoint needs <paramref name="permission"/>, not topic-scoped (a rule must cover <c>*</c>).</summary>
    public static TBuilder RequireGatewayAccess<TBuilder>(this TBuilder builder, GatewayPermission permission)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireGatewayAccess(new GatewayAccessRequirement(AccessKind.Permission, permission, null));

    /// <summary>The endpoint needs <paramref name="requirement"/>.</summary>
    public static TBuilder RequireGatewayAccess<TBuilder>(this TBuilder builder, IGatewayAccessRequirement requirement)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint => endpoint.Metadata.Add(new GatewayAccessMetadata(requirement)));
        return builder;
    }
}

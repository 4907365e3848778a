using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Security;

/// <summary>
/// Decides whether a principal holds a permission on a topic, from <c>Security:Authorization:Rules</c>. A rule
/// matches a principal by name (<c>apikey:alice</c>, or <c>alice</c> while only one authentication scheme is
/// configured, see <see cref="PrincipalNames"/>; <c>*</c>: any authenticated principal; <c>anonymous</c>: requests
/// without credentials when <c>Security:AllowAnonymous</c>) or by role, and a topic by literal name, prefix pattern
/// (<c>orders.*</c>) or <c>*</c>. Checks without a topic (consumer groups, brokers, topic creation) need a rule
/// covering <c>*</c>; <c>cluster</c> ignores topics. Without any rule everybody who got in may do everything.
/// </summary>
public sealed class AccessPolicy(IOptions<SecurityOptions> options)
{
    /// <summary>The principal name of requests without credentials.</summary>
    public const string AnonymousPrincipal = "anonymous";

    // Arrays: every request's authorization loops over the rules and their topics (a list behind an interface
    // would box an enumerator per loop).
    private readonly AccessRule[] _rules = [.. options.Value.Authorization.Rules.Select(AccessRule.From)];
    private readonly bool _bareNames = PrincipalNames.BareNamesAllowed(options.Value.Authentication);

    /// <summary>True when rules are configured (otherwise everything is allowed).</summary>
    public bool HasRules => _rules.Length > 0;

    /// <summary>The principal name used for rules, audit and the Kafka identity: <c>scheme:name</c>, or <c>anonymous</c>.</summary>
    public static string PrincipalName(ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : AnonymousPrincipal;

    /// <summary>Whether <paramref name="user"/> holds <paramref name="permission"/> on <paramref name="topic"/> (null: not topic-scoped).</summary>
    public bool IsAllowed(ClaimsPrincipal user, GatewayPermission permission, string? topic)
    {
        if (!HasRules)
        {
            return true;
        }

        var authenticated = user.Identity?.IsAuthenticated == true;
        var name = PrincipalName(user);
        foreach (var rule in _rules)
        {
            if (rule.Permissions.Contains(permission) && rule.MatchesPrincipal(user, name, authenticated, _bareNames)
                && (permission == GatewayPermission.Cluster || rule.MatchesTopic(topic)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// For actions that learn their topic from the body: throws 403 ProblemDetails unless <paramref name="user"/>
    /// holds the permission. Call it before touching Kafka.
    /// </summary>
    public void EnsureAllowed(ClaimsPrincipal user, GatewayPermission permission, string? topic)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!IsAllowed(user, permission, topic))
        {
            var on = topic is null ? "" : $" on '{topic}'";
            throw new Http.GatewayException(Http.GatewayErrors.Forbidden,
                $"'{PrincipalName(user)}' lacks the permission '{GatewayPermissions.Name(permission)}'{on}.");
        }
    }

    /// <summary>Whether <paramref name="user"/> holds any topic permission on <paramref name="topic"/> (to describe it).</summary>
    public bool MayDescribe(ClaimsPrincipal user, string? topic) =>
        IsAllowed(user, GatewayPermission.Consume, topic) || IsAllowed(user, GatewayPermission.Produce, topic)
        || IsAllowed(user, GatewayPermission.Admin, topic);

    private sealed record AccessRule(string? Principal, string? Role, string[] Topics, IReadOnlySet<GatewayPermission> Permissions)
    {
        public static AccessRule From(AccessRuleSettings settings) => new(
            string.IsNullOrWhiteSpace(settings.Principal) ? null : settings.Principal.Trim(),
            string.IsNullOrWhiteSpace(settings.Role) ? null : settings.Role.Trim(),
            settings.Topics.Count == 0 ? ["*"] : [.. settings.Topics.Select(t => t.Trim())],
            settings.Permissions.Select(p => GatewayPermissions.TryParse(p, out var parsed) ? parsed : (GatewayPermission?)null)
                .OfType<GatewayPermission>().ToHashSet());

        public bool MatchesPrincipal(ClaimsPrincipal user, string name, bool authenticated, bool bareNames)
        {
            if (Principal is not null)
            {
                return Principal switch
                {
                    "*" => authenticated,
                    AnonymousPrincipal => !authenticated,
                    _ => authenticated && PrincipalNames.Matches(Principal, name, bareNames),
                };
            }

            return Role is not null && authenticated && user.IsInRole(Role);
        }

        public bool MatchesTopic(string? topic)
        {
            foreach (var pattern in Topics)
            {
                if (pattern == "*")
                {
                    return true;
                }

                if (topic is null)
                {
                    continue;
                }

                if (pattern.EndsWith('*')
                    ? topic.StartsWith(pattern[..^1], StringComparison.Ordinal)
                    : string.Equals(pattern, topic, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }
}

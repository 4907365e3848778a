using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Security;

/// <summary>What a request needs: nothing, any principal, or a permission (on a topic when <see cref="Topic"/> is set).</summary>
/// <param name="Kind">Anonymous, authenticated, a permission, or describe (any topic permission).</param>
/// <param name="Permission">The permission when <see cref="Kind"/> is <see cref="AccessKind.Permission"/>.</param>
/// <param name="Topic">The topic the permission is checked on; null when not topic-scoped.</param>
/// <param name="AuditAction">Set when the call is audited: the action name.</param>
public sealed record AccessRequirement(AccessKind Kind, GatewayPermission? Permission, string? Topic, string? AuditAction);

/// <summary>Kinds of <see cref="AccessRequirement"/>.</summary>
public enum AccessKind
{
    /// <summary>Open to everybody (health, Swagger by default).</summary>
    Anonymous,

    /// <summary>Any principal that got in (or anonymous when allowed).</summary>
    Authenticated,

    /// <summary>A permission from the rules.</summary>
    Permission,

    /// <summary>Any of produce, consume or admin on the topic (describing it).</summary>
    Describe,
}

/// <summary>
/// Maps a request to its <see cref="AccessRequirement"/>: <see cref="TopicAccessAttribute"/> on the endpoint wins;
/// else the first matching entry of <c>Security:Authorization:Routes</c>, then of the built-in table below; else
/// <see cref="AccessKind.Authenticated"/>. <c>/health/*</c> is always anonymous. Calls needing <c>admin</c> or
/// <c>schemas:write</c>, or marked <see cref="AuditedAttribute"/>, are audited.
/// </summary>
public sealed class RouteAccessTable
{
    /// <summary>The built-in entries, in order: pattern, methods (empty: all), access.</summary>
    internal static readonly (string Pattern, string[] Methods, string Access)[] BuiltIn =
    [
        ("/swagger/{**rest}", [], "anonymous"),
        ("/metrics", [], "cluster"),
        ("/cluster/{**rest}", ["GET"], "cluster"),
        ("/brokers/{**rest}", ["GET"], "cluster"),
        ("/brokers/{**rest}", [], "admin"),
        // The topic is in the body: the action checks consume on it (AccessPolicy.EnsureAllowed) before touching Kafka.
        ("/consumer-groups/{group}/commits", ["POST"], "authenticated"),
        ("/consumer-groups/{**rest}", ["GET"], "cluster"),
        ("/consumer-groups/{**rest}", [], "admin"),
        ("/topics", ["GET"], "authenticated"),
        ("/topics", ["POST"], "admin"),
        ("/topics/{topic}/records", ["POST"], "produce"),
        ("/topics/{topic}/records", ["GET"], "consume"),
        ("/topics/{topic}/stream", ["GET"], "consume"),
        ("/topics/{topic}/partitions/{partition}", ["POST"], "produce"),
        ("/topics/{topic}", ["POST"], "produce"),
        ("/topics/{topic}", ["GET"], "describe"),
        ("/topics/{topic}/configs", ["GET"], "describe"),
        ("/topics/{topic}/{**rest}", [], "admin"),
        ("/topics/{topic}", [], "admin"),
        ("/registry/compatibility/{**rest}", [], "authenticated"),
        ("/registry/subjects/{subject}", ["POST"], "authenticated"),
        ("/registry/subjects/{subject}/{**rest}", ["POST", "PUT", "DELETE"], "schemas:write"),
        ("/registry/subjects/{subject}", ["DELETE"], "schemas:write"),
        ("/registry/config/{subject}", ["PUT", "DELETE"], "schemas:write"),
        ("/registry/{**rest}", ["POST", "PUT", "DELETE"], "schemas:write"),
        ("/registry/{**rest}", [], "authenticated"),
    ];

    private static readonly Entry s_health = Entry.Create("/health/{**rest}", [], "anonymous");
    private readonly IReadOnlyList<Entry> _entries;

    public RouteAccessTable(IOptions<SecurityOptions> options)
    {
        _entries =
        [
            .. options.Value.Authorization.Routes.Select(r => Entry.Create(r.Pattern, r.Methods, r.Access)),
            .. BuiltIn.Select(b => Entry.Create(b.Pattern, b.Methods, b.Access)),
        ];
    }

    /// <summary>Parses an access name (<c>anonymous</c>, <c>authenticated</c>, <c>describe</c> or a permission).</summary>
    internal static bool TryParseAccess(string? access, out AccessKind kind, out GatewayPermission? permission)
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

    /// <summary>Whether <paramref name="pattern"/> is a valid route template.</summary>
    internal static string? PatternProblem(string pattern)
    {
        try
        {
            _ = TemplateParser.Parse(pattern.TrimStart('/'));
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The requirement of a request.</summary>
    public AccessRequirement Resolve(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = context.GetEndpoint();
        var audited = endpoint?.Metadata.GetMetadata<AuditedAttribute>()?.Action;
        if (endpoint?.Metadata.GetMetadata<TopicAccessAttribute>() is { } attribute)
        {
            var topic = TopicOf(attribute.RouteValue, context.GetRouteValue(attribute.RouteValue) as string);
            return new AccessRequirement(AccessKind.Permission, attribute.Permission, topic,
                audited ?? AuditName(context, attribute.Permission));
        }

        return Resolve(context.Request.Method, context.Request.Path, audited, context);
    }

    /// <summary>The requirement of a method and path by the table alone (also what unit tests check).</summary>
    public AccessRequirement Resolve(string method, PathString path, string? auditAction = null, HttpContext? context = null)
    {
        if (s_health.TryMatch(method, path, out _))
        {
            return new AccessRequirement(AccessKind.Anonymous, null, null, null);
        }

        foreach (var entry in _entries)
        {
            if (!entry.TryMatch(method, path, out var values))
            {
                continue;
            }

            var topic = values["topic"] is string t ? t : values["subject"] is string s ? TopicOf("subject", s) : null;
            var audit = auditAction;
            if (audit is null && entry.Permission is GatewayPermission.Admin or GatewayPermission.SchemasWrite)
            {
                audit = context is null ? $"{method} {entry.Pattern}" : AuditName(context, entry.Permission.Value);
            }

            return new AccessRequirement(entry.Kind, entry.Permission, topic, audit);
        }

        return new AccessRequirement(AccessKind.Authenticated, null, null, auditAction);
    }

    private static string? AuditName(HttpContext context, GatewayPermission permission) =>
        permission is GatewayPermission.Admin or GatewayPermission.SchemasWrite
            ? $"{context.Request.Method} {(context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value}"
            : null;

    /// <summary>The topic a route value names: a subject loses its <c>-key</c>/<c>-value</c> suffix.</summary>
    internal static string? TopicOf(string routeValue, string? value)
    {
        if (value is null || routeValue != "subject")
        {
            return value;
        }

        return value.EndsWith("-value", StringComparison.Ordinal) ? value[..^6]
            : value.EndsWith("-key", StringComparison.Ordinal) ? value[..^4]
            : value;
    }

    private sealed class Entry
    {
        private readonly TemplateMatcher _matcher;
        private readonly HashSet<string> _methods;

        private Entry(string pattern, TemplateMatcher matcher, HashSet<string> methods, AccessKind kind, GatewayPermission? permission)
        {
            Pattern = pattern;
            _matcher = matcher;
            _methods = methods;
            Kind = kind;
            Permission = permission;
        }

        public string Pattern { get; }

        public AccessKind Kind { get; }

        public GatewayPermission? Permission { get; }

        public static Entry Create(string pattern, IEnumerable<string> methods, string access)
        {
            if (!TryParseAccess(access, out var kind, out var permission))
            {
                throw new InvalidOperationException($"Unknown access '{access}' for route pattern '{pattern}'.");
            }

            var template = TemplateParser.Parse(pattern.TrimStart('/'));
            return new Entry(pattern, new TemplateMatcher(template, []),
                methods.Select(m => m.Trim().ToUpperInvariant()).ToHashSet(StringComparer.Ordinal), kind, permission);
        }

        public bool TryMatch(string method, PathString path, out RouteValueDictionary values)
        {
            values = [];
            if (_methods.Count > 0 && !_methods.Contains(method.ToUpperInvariant()))
            {
                return false;
            }

            var trimmed = path.HasValue && path.Value!.Length > 1 ? new PathString(path.Value.TrimEnd('/')) : path;
            return _matcher.TryMatch(trimmed, values);
        }
    }
}

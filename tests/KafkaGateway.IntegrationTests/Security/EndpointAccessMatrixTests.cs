using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Schemas.Registry;
using KafkaGateway.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Security;

/// <summary>
/// Issue 12 item 10: the access matrix, generated from the live endpoint list of a Production-configured host on the
/// harness — every endpoint x {no credentials, wrong key, produce+consume on <c>a.*</c>, consume on <c>b.*</c>,
/// admin} x {topic <c>a.x</c>, <c>b.x</c>, <c>_schemas</c>} (topic-less endpoints once per credential) — with the
/// built-in registry, and with external-registry forwarding on (a stand-in URL), where every built-in registry route
/// plus calls only an external registry serves (<c>/mode</c>, <c>/contexts</c>, ...) go through the forwarder.
/// <para>
/// What is asserted is the authorization outcome (401, 403, or passed): the real authentication, authorization
/// middleware, handler and endpoint metadata decide, and a request that passes is answered by a test result handler
/// instead of running the action, so the matrix measures exactly the decision and does not depend on what each
/// action would then do with Kafka (the actions' own behaviour has its own tests). The expectations come from the
/// test's own model of the rules below, applied to each endpoint's declared access; the declarations themselves are
/// held to invariants (a topic route reads its topic, writes need a permission, only health and Swagger are open).
/// </para>
/// </summary>
public sealed class EndpointAccessMatrixTests(EndpointAccessMatrixTests.Hosts hosts) : IClassFixture<EndpointAccessMatrixTests.Hosts>
{
    private const string AuthorizedHeader = "X-Matrix-Authorized";
    private static readonly string[] s_topics = ["a.x", "b.x", "_schemas"];

    /// <summary>Registry calls the built-in registry does not serve, and what the forwarder must demand for them.</summary>
    private static readonly (string Method, string Path, Declared Access)[] s_forwardedOnly =
    [
        ("GET", "registry/mode", new(AccessKind.Authenticated, null, null)),
        ("PUT", "registry/mode", new(AccessKind.Permission, GatewayPermission.SchemasWrite, null)),
        ("PUT", "registry/mode/{subject}", new(AccessKind.Permission, GatewayPermission.SchemasWrite, "subject")),
        ("DELETE", "registry/mode/{subject}", new(AccessKind.Permission, GatewayPermission.SchemasWrite, "subject")),
        ("DELETE", "registry/config", new(AccessKind.Permission, GatewayPermission.SchemasWrite, null)),
        ("GET", "registry/contexts", new(AccessKind.Authenticated, null, null)),
        ("POST", "registry/contexts/{subject}", new(AccessKind.Permission, GatewayPermission.SchemasWrite, null)),
        ("GET", "registry/subjects/{subject}/versions/{version}/fields", new(AccessKind.Authenticated, null, null)),
        ("POST", "registry", new(AccessKind.Permission, GatewayPermission.SchemasWrite, null)),
    ];

    /// <summary>
    /// POSTs that need only sign-in at the endpoint: the registry's that only read (lookup, compatibility tests), and a
    /// consumer group's commit, whose topic is in the body and whose action checks <c>consume</c> on it.
    /// </summary>
    private static readonly HashSet<string> s_readOnlyPosts = new(StringComparer.Ordinal)
    {
        "Registry.Lookup", "Registry.TestCompatibility", "Registry.TestCompatibilityWithSubject", "ConsumerGroupCommits.Commit",
    };

    private static readonly HashSet<string> s_open = new(StringComparer.Ordinal) { "health.live", "health.ready", "swagger" };

    private enum Credential
    {
        None,
        WrongKey,
        ProduceConsumeA,
        ConsumeB,
        Admin,
    }

    private enum Outcome
    {
        Passed,
        Unauthorized,
        Forbidden,
    }

    [Fact]
    public void EveryEndpoint_DeclaresAccessThatReadsItsTopic()
    {
        var problems = new List<string>();
        foreach (var host in new[] { hosts.BuiltIn, hosts.Forwarding })
        {
            var endpoints = Endpoints(host);
            Assert.True(endpoints.Count >= (host == hosts.BuiltIn ? 40 : 20), $"only {endpoints.Count} endpoints found");
            problems.AddRange(EndpointAccessCheck.Problems(endpoints, []));
            foreach (var endpoint in endpoints.Where(e => EndpointAccess.DeclaredBy(e) is GatewayAccessRequirement))
            {
                problems.AddRange(InvariantProblems(endpoint));
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void ForwardingOn_OnlyTheForwarderServesRegistryPaths()
    {
        var builtIn = Endpoints(hosts.BuiltIn);
        var forwarding = Endpoints(hosts.Forwarding);

        Assert.Contains(builtIn, e => Name(e) == "Registry.Register");
        Assert.DoesNotContain(builtIn, e => Name(e) == RegistryForwarding.EndpointName);
        Assert.Single(forwarding, e => Pattern(e).StartsWith("registry", StringComparison.Ordinal));
        Assert.Single(forwarding, e => Name(e) == RegistryForwarding.EndpointName);
    }

    [Fact]
    public async Task BuiltInRegistry_EveryEndpointCredentialAndTopic_AnswersTheExpectedOutcome()
    {
        var cases = Endpoints(hosts.BuiltIn)
            .Select(e => (Method(e), Pattern(e), Declared.Of(e)!, Name(e) ?? Pattern(e)))
            .ToList();

        var (cells, failures) = await RunAsync(hosts.BuiltIn, cases);

        Assert.True(cells >= 400, $"only {cells} cells");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cells} cells wrong:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(60))}");
    }

    [Fact]
    public async Task RegistryForwarding_EveryEndpointCredentialAndTopic_AnswersTheExpectedOutcome()
    {
        // Registry paths: every route the built-in registry declares (forwarded calls must be guarded exactly as the
        // built-in ones), and calls only an external registry serves.
        var registryCases = Endpoints(hosts.BuiltIn)
            .Where(e => Pattern(e).StartsWith("registry", StringComparison.Ordinal))
            .Select(e => (Method(e), Pattern(e), Declared.Of(e)!, "forwarded " + Name(e)))
            .Concat(s_forwardedOnly.Select(f => (f.Method, f.Path, f.Access, $"forwarded {f.Method} {f.Path}")));
        var otherCases = Endpoints(hosts.Forwarding)
            .Where(e => Name(e) != RegistryForwarding.EndpointName)
            .Select(e => (Method(e), Pattern(e), Declared.Of(e)!, Name(e) ?? Pattern(e)));

        var (cells, failures) = await RunAsync(hosts.Forwarding, [.. registryCases, .. otherCases]);

        Assert.True(cells >= 400, $"only {cells} cells");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cells} cells wrong:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(60))}");
    }

    /// <summary>The test's model of the rules configured in <see cref="Hosts"/>.</summary>
    private static Outcome Expected(Declared access, Credential credential, string? topic)
    {
        if (access.Kind == AccessKind.Anonymous)
        {
            return Outcome.Passed;
        }

        if (credential is Credential.None or Credential.WrongKey)
        {
            return Outcome.Unauthorized;
        }

        if (access.Kind == AccessKind.Authenticated || credential == Credential.Admin)
        {
            return Outcome.Passed;
        }

        var scoped = access.TopicFrom is null ? null : topic;
        bool Holds(GatewayPermission permission) => (credential, permission, scoped) switch
        {
            (Credential.ProduceConsumeA, GatewayPermission.Produce or GatewayPermission.Consume, { } t) => t.StartsWith("a.", StringComparison.Ordinal),
            (Credential.ConsumeB, GatewayPermission.Consume, { } t) => t.StartsWith("b.", StringComparison.Ordinal),
            _ => false,
        };

        var allowed = access.Kind == AccessKind.Describe
            ? Holds(GatewayPermission.Produce) || Holds(GatewayPermission.Consume) || Holds(GatewayPermission.Admin)
            : Holds(access.Permission!.Value);
        return allowed ? Outcome.Passed : Outcome.Forbidden;
    }

    private static async Task<(int Cells, List<string> Failures)> RunAsync(
        WebApplicationFactory<Program> host, IReadOnlyList<(string Method, string Pattern, Declared Access, string Name)> cases)
    {
        var contentTypes = Endpoints(host).ToLookup(Pattern, ContentType);
        var cells = new List<(string Method, string Path, Credential Credential, Outcome Expected, string Name, string ContentType)>();
        foreach (var (method, pattern, access, name) in cases)
        {
            var topicScoped = pattern.Contains("{topic}", StringComparison.Ordinal) || pattern.Contains("{subject}", StringComparison.Ordinal);
            foreach (var topic in topicScoped ? s_topics : [s_topics[0]])
            {
                foreach (var credential in Enum.GetValues<Credential>())
                {
                    cells.Add((method, PathFor(pattern, topic), credential, Expected(access, credential, topicScoped ? topic : null), name,
                        contentTypes[pattern].FirstOrDefault(c => c != "application/json") ?? "application/json"));
                }
            }
        }

        var clients = Enum.GetValues<Credential>().ToDictionary(c => c, c => ClientFor(host, c));
        var failures = new ConcurrentQueue<string>();
        using var parallel = new SemaphoreSlim(8);
        await Task.WhenAll(cells.Select(async cell =>
        {
            await parallel.WaitAsync();
            try
            {
                using var request = new HttpRequestMessage(new HttpMethod(cell.Method), new Uri(cell.Path, UriKind.Relative));
                if (cell.Method is not ("GET" or "DELETE" or "HEAD"))
                {
                    // The endpoint's own media type: another one would match no endpoint (415) instead of this one.
                    request.Content = new StringContent("{}", Encoding.UTF8, cell.ContentType);
                }

                using var response = await clients[cell.Credential].SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                var actual = response.Headers.Contains(AuthorizedHeader) ? Outcome.Passed
                    : response.StatusCode == HttpStatusCode.Unauthorized ? Outcome.Unauthorized
                    : response.StatusCode == HttpStatusCode.Forbidden ? Outcome.Forbidden
                    : (Outcome?)null;
                if (actual != cell.Expected)
                {
                    failures.Enqueue($"{cell.Name}: {cell.Method} {cell.Path} as {cell.Credential}: expected {cell.Expected}, got {(actual?.ToString() ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture))}");
                }
            }
            finally
            {
                parallel.Release();
            }
        }));

        foreach (var client in clients.Values)
        {
            client.Dispose();
        }

        return (cells.Count, [.. failures.Order(StringComparer.Ordinal)]);
    }

    private static HttpClient ClientFor(WebApplicationFactory<Program> host, Credential credential)
    {
        var client = host.CreateClient();
        var key = credential switch
        {
            Credential.WrongKey => "not-a-configured-key-0123456789",
            Credential.ProduceConsumeA => SecureGateway.KeyOf("writer-a"),
            Credential.ConsumeB => SecureGateway.KeyOf("reader-b"),
            Credential.Admin => SecureGateway.KeyOf("admin"),
            _ => null,
        };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-API-Key", key);
        }

        return client;
    }

    private static IEnumerable<string> InvariantProblems(RouteEndpoint endpoint)
    {
        var declared = Declared.Of(endpoint)!;
        var pattern = Pattern(endpoint);
        var name = Name(endpoint) ?? pattern;
        var method = Method(endpoint);
        var writes = method is not ("GET" or "HEAD");
        if (declared.Kind == AccessKind.Anonymous && !s_open.Contains(name))
        {
            yield return $"{name} ({pattern}) is anonymous; only {string.Join(", ", s_open)} may be.";
        }

        if (pattern.Contains("{topic}", StringComparison.Ordinal)
            && (declared.TopicFrom != "topic" || declared.Kind is not (AccessKind.Permission or AccessKind.Describe)))
        {
            yield return $"{name} ({pattern}) has a topic but declares {declared}: it must check a permission on route value 'topic'.";
        }

        if (pattern.Contains("{subject}", StringComparison.Ordinal) && declared.Kind != AccessKind.Authenticated && declared.TopicFrom != "subject")
        {
            yield return $"{name} ({pattern}) has a subject but declares {declared}: it must check its permission on the subject's topic.";
        }

        if (!pattern.Contains("{topic}", StringComparison.Ordinal) && !pattern.Contains("{subject}", StringComparison.Ordinal) && declared.TopicFrom is not null)
        {
            yield return $"{name} ({pattern}) reads a topic from '{declared.TopicFrom}', which its route does not have.";
        }

        if (writes && !s_readOnlyPosts.Contains(name)
            && (declared.Kind != AccessKind.Permission || declared.Permission is GatewayPermission.Consume or GatewayPermission.Cluster))
        {
            yield return $"{name} ({method} {pattern}) changes something but declares {declared}: writes need produce, admin or schemas:write.";
        }

        if (method is "DELETE" or "PATCH" or "PUT" && declared.Permission is not (GatewayPermission.Admin or GatewayPermission.SchemasWrite))
        {
            yield return $"{name} ({method} {pattern}) deletes or changes configuration but declares {declared}: it needs admin or schemas:write.";
        }

        if (!writes && declared.Permission is GatewayPermission.Produce or GatewayPermission.Admin or GatewayPermission.SchemasWrite)
        {
            yield return $"{name} ({method} {pattern}) only reads but declares {declared}: reads need consume, describe, cluster or sign-in.";
        }
    }

    private static List<RouteEndpoint> Endpoints(WebApplicationFactory<Program> host) =>
        [.. host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()];

    private static string? Name(Endpoint endpoint) => EndpointAccess.NameOf(endpoint);

    private static string Pattern(RouteEndpoint endpoint) => endpoint.RoutePattern.RawText!.TrimStart('/');

    private static string Method(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } methods ? methods[0] : "GET";

    private static string ContentType(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes is { Count: > 0 } types ? types[0] : "application/json";

    private static string PathFor(string pattern, string topic) =>
        "/" + Regex.Replace(pattern, @"\{(\*\*)?(\w+)(:[^}]*)?\??\}", match => match.Groups[2].Value switch
        {
            "topic" => topic,
            "subject" => topic + "-value",
            "partition" => "0",
            "path" => "index.html",
            "group" => "group-1",
            _ => "1",
        }, RegexOptions.None, TimeSpan.FromSeconds(1));

    /// <summary>An endpoint's declared access as the test reads it.</summary>
    private sealed record Declared(AccessKind Kind, GatewayPermission? Permission, string? TopicFrom)
    {
        public static Declared? Of(Endpoint endpoint) => EndpointAccess.DeclaredBy(endpoint) switch
        {
            GatewayAccessRequirement r => new Declared(r.Kind, r.Permission, r.TopicFrom),
            _ => null,
        };
    }

    /// <summary>
    /// Answers requests that passed authorization with a marker instead of running the action; refusals go to the
    /// gateway's own result handler (401/403 ProblemDetails).
    /// </summary>
    private sealed class AuthorizedRequestsStopHere(IAuthorizationMiddlewareResultHandler gateway) : IAuthorizationMiddlewareResultHandler
    {
        public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (!authorizeResult.Succeeded)
            {
                return gateway.HandleAsync(next, context, policy, authorizeResult);
            }

            context.Response.StatusCode = StatusCodes.Status204NoContent;
            context.Response.Headers[AuthorizedHeader] = "true";
            return Task.CompletedTask;
        }
    }

    /// <summary>One Production host with the built-in registry and one forwarding to a stand-in URL, on one cluster.</summary>
    public sealed class Hosts : IAsyncLifetime
    {
        private readonly KafkaClusterFixture _cluster = new();
        private readonly List<GatewayFactory> _roots = [];

        public WebApplicationFactory<Program> BuiltIn { get; private set; } = null!;

        public WebApplicationFactory<Program> Forwarding { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await _cluster.InitializeAsync();
            BuiltIn = Create(new Dictionary<string, string?>());
            // Nothing listens there: a forwarded call that passed authorization would answer 502, never reach a registry.
            Forwarding = Create(new Dictionary<string, string?> { ["SchemaRegistry:Url"] = "http://127.0.0.1:9" });
            _ = BuiltIn.Services;
            _ = Forwarding.Services;
        }

        public async Task DisposeAsync()
        {
            await BuiltIn.DisposeAsync();
            await Forwarding.DisposeAsync();
            foreach (var root in _roots)
            {
                await root.DisposeAsync();
            }

            await _cluster.DisposeAsync();
        }

        private WebApplicationFactory<Program> Create(Dictionary<string, string?> extra)
        {
            var settings = SecureGateway.ApiKeys(("writer-a", null), ("reader-b", null), ("admin", null));
            settings["Security:AllowAnonymous"] = "false";
            settings["Security:Authorization:Rules:0:Principal"] = "apikey:writer-a";
            settings["Security:Authorization:Rules:0:Topics:0"] = "a.*";
            settings["Security:Authorization:Rules:0:Permissions:0"] = "produce";
            settings["Security:Authorization:Rules:0:Permissions:1"] = "consume";
            settings["Security:Authorization:Rules:1:Principal"] = "reader-b";
            settings["Security:Authorization:Rules:1:Topics:0"] = "b.*";
            settings["Security:Authorization:Rules:1:Permissions:0"] = "consume";
            settings["Security:Authorization:Rules:2:Principal"] = "apikey:admin";
            settings["Security:Authorization:Rules:2:Topics:0"] = "*";
            for (var i = 0; i < 5; i++)
            {
                settings[$"Security:Authorization:Rules:2:Permissions:{i}"] = new[] { "produce", "consume", "admin", "schemas:write", "cluster" }[i];
            }

            foreach (var (key, value) in extra)
            {
                settings[key] = value;
            }

            var root = GatewayFactory.For(_cluster, settings, environment: "Production");
            _roots.Add(root);
            return root.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
                services.AddSingleton<IAuthorizationMiddlewareResultHandler>(provider =>
                    new AuthorizedRequestsStopHere(ActivatorUtilities.CreateInstance<GatewayAuthorizationResultHandler>(provider)))));
        }
    }
}

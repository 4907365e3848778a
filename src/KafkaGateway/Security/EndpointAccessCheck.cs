namespace KafkaGateway.Security;

/// <summary>
/// Refuses to start when an endpoint declares no access (<see cref="GatewayAccessAttribute"/> or
/// <c>RequireGatewayAccess</c>), so no route can be added unguarded, or when
/// <c>Security:Authorization:Endpoints</c> names an endpoint that does not exist.
/// </summary>
internal static class EndpointAccessCheck
{
    /// <summary>
    /// Adds the check to the pipeline. It runs once, when the pipeline is built (after every endpoint is mapped and
    /// before the server accepts a connection), and costs requests nothing.
    /// </summary>
    public static IApplicationBuilder UseEndpointAccessCheck(this IApplicationBuilder app) => app.Use(next =>
    {
        Verify(app.ApplicationServices);
        return next;
    });

    /// <summary>Throws when an endpoint declares no access or an override names no endpoint.</summary>
    public static void Verify(IServiceProvider services)
    {
        var problems = Problems(services.GetRequiredService<EndpointDataSource>().Endpoints, services.GetRequiredService<EndpointAccess>().OverriddenNames);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Endpoint access: " + string.Join(" ", problems));
        }
    }

    /// <summary>What is wrong with the endpoints' declarations, or an empty list.</summary>
    public static IReadOnlyList<string> Problems(IEnumerable<Endpoint> endpoints, IReadOnlyCollection<string> overriddenNames)
    {
        var problems = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            if (EndpointAccess.NameOf(endpoint) is { } name)
            {
                names.Add(name);
            }

            if (EndpointAccess.DeclaredBy(endpoint) is null)
            {
                var pattern = (endpoint as RouteEndpoint)?.RoutePattern.RawText;
                problems.Add($"Endpoint '{endpoint.DisplayName}'{(pattern is null ? "" : $" ({pattern})")} declares no access: " +
                    "add [GatewayAccess(...)] to the action or .RequireGatewayAccess(...) to the mapping.");
            }
        }

        foreach (var overridden in overriddenNames.Where(n => !names.Contains(n)))
        {
            problems.Add($"{SecurityOptions.SectionName}:Authorization:Endpoints:{overridden}: no endpoint has that name " +
                $"(names: {string.Join(", ", names.Order(StringComparer.Ordinal))}).");
        }

        return problems;
    }
}

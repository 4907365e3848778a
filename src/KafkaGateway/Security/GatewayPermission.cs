namespace KafkaGateway.Security;

/// <summary>What a principal may do; granted per topic pattern by <c>Security:Authorization:Rules</c>.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is a permission in the gateway's own sense, not a CAS permission type.")]
public enum GatewayPermission
{
    /// <summary><c>produce</c>: write records to a topic.</summary>
    Produce,

    /// <summary><c>consume</c>: stream and browse a topic's records.</summary>
    Consume,

    /// <summary><c>admin</c>: create, change and delete topics; consumer group and broker changes (on <c>*</c>).</summary>
    Admin,

    /// <summary><c>schemas:write</c>: registry writes for the subjects of a topic.</summary>
    SchemasWrite,

    /// <summary><c>cluster</c>: read cluster, broker and consumer group information and <c>/metrics</c>.</summary>
    Cluster,
}

/// <summary>The configuration names of <see cref="GatewayPermission"/>.</summary>
public static class GatewayPermissions
{
    private static readonly Dictionary<string, GatewayPermission> s_byName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["produce"] = GatewayPermission.Produce,
        ["consume"] = GatewayPermission.Consume,
        ["admin"] = GatewayPermission.Admin,
        ["schemas:write"] = GatewayPermission.SchemasWrite,
        ["cluster"] = GatewayPermission.Cluster,
    };

    /// <summary>Every configuration name, for error messages.</summary>
    public static string Names => string.Join(", ", s_byName.Keys);

    /// <summary>Parses a configuration name such as <c>schemas:write</c>.</summary>
    public static bool TryParse(string? name, out GatewayPermission permission) =>
        s_byName.TryGetValue(name?.Trim() ?? "", out permission);

    /// <summary>The configuration name of <paramref name="permission"/>.</summary>
    public static string Name(GatewayPermission permission) => s_byName.First(p => p.Value == permission).Key;
}

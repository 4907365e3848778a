namespace KafkaGateway.Schemas.Compatibility;

/// <summary>One reason a reader schema cannot read data written with a writer schema.</summary>
/// <param name="Type">The registry error type.</param>
/// <param name="Location">
/// JSON-pointer-like path into the reader schema, e.g. <c>/fields/2/type/items</c>; <c>/</c> is the root.
/// Writer union branches add their index (<c>/fields/0/type/1</c>).
/// </param>
/// <param name="Message">A human-readable explanation naming the types, fields or symbols involved.</param>
public sealed record SchemaIncompatibility(IncompatibilityType Type, string Location, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Type.ToRegistryName()} {Location}: {Message}";
}

/// <summary>The outcome of resolving a writer schema against a reader schema.</summary>
public sealed record SchemaResolutionResult
{
    /// <summary>Creates a result; an empty list means the reader can read everything the writer writes.</summary>
    public SchemaResolutionResult(IReadOnlyList<SchemaIncompatibility> incompatibilities)
    {
        Incompatibilities = incompatibilities;
    }

    /// <summary>Every incompatibility found, in schema order; empty when compatible.</summary>
    public IReadOnlyList<SchemaIncompatibility> Incompatibilities { get; }

    /// <summary>True when the reader can read all data written with the writer schema.</summary>
    public bool IsCompatible => Incompatibilities.Count == 0;
}

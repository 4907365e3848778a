namespace KafkaGateway.Schemas;

/// <summary>
/// One reason a JSON value does not fit an Avro schema, e.g. <c>$.value: expected double, got string "hot"</c>.
/// </summary>
/// <param name="Path">JSON path of the offending value: <c>$.readings[2].id</c>, <c>$.tags.color</c>, <c>$['odd key']</c>.</param>
/// <param name="Message">What the schema expected there and what was found.</param>
public sealed record AvroConversionError(string Path, string Message)
{
    /// <summary>Formats the error as <c>path: message</c>.</summary>
    public override string ToString() => $"{Path}: {Message}";
}

namespace KafkaGateway.Schemas.Compatibility;

/// <summary>
/// Why a reader schema cannot read data written with a writer schema. The names mirror the error types a
/// Confluent Schema Registry reports, so clients that parse those strings keep working against the gateway.
/// </summary>
public enum IncompatibilityType
{
    /// <summary>Named types (record, enum, fixed) whose names differ and no reader alias names the writer type.</summary>
    NameMismatch,

    /// <summary>Fixed types of different sizes.</summary>
    FixedSizeMismatch,

    /// <summary>The writer enum has symbols the reader enum lacks, and the reader enum has no default.</summary>
    MissingEnumSymbols,

    /// <summary>A reader field is absent from the writer record and has no default value.</summary>
    ReaderFieldMissingDefaultValue,

    /// <summary>The reader and writer types differ and no promotion rule applies.</summary>
    TypeMismatch,

    /// <summary>A writer type (or writer union branch) has no reader union branch, or reader schema, that can read it.</summary>
    MissingUnionBranch,

    /// <summary>
    /// Both schemas are <c>decimal</c> but precision or scale differ. Not an Avro specification rule: the bytes would
    /// decode, but as a different number, so the gateway rejects it like Confluent does.
    /// </summary>
    DecimalPrecisionScaleMismatch,
}

/// <summary>Converts <see cref="IncompatibilityType"/> to the upper-snake-case strings the registry API reports.</summary>
public static class IncompatibilityTypeNames
{
    /// <summary>The registry's name for the type, e.g. <c>READER_FIELD_MISSING_DEFAULT_VALUE</c>.</summary>
    public static string ToRegistryName(this IncompatibilityType type) => type switch
    {
        IncompatibilityType.NameMismatch => "NAME_MISMATCH",
        IncompatibilityType.FixedSizeMismatch => "FIXED_SIZE_MISMATCH",
        IncompatibilityType.MissingEnumSymbols => "MISSING_ENUM_SYMBOLS",
        IncompatibilityType.ReaderFieldMissingDefaultValue => "READER_FIELD_MISSING_DEFAULT_VALUE",
        IncompatibilityType.TypeMismatch => "TYPE_MISMATCH",
        IncompatibilityType.MissingUnionBranch => "MISSING_UNION_BRANCH",
        IncompatibilityType.DecimalPrecisionScaleMismatch => "DECIMAL_PRECISION_SCALE_MISMATCH",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown incompatibility type."),
    };
}

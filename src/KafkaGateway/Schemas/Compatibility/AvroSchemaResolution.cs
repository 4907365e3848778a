using System.Globalization;
using System.Runtime.CompilerServices;
using Avro;

namespace KafkaGateway.Schemas.Compatibility;

/// <summary>
/// Decides whether data written with one Avro schema can be read with another, following the "Schema Resolution"
/// section of the Avro 1.11 specification, and reports every reason it cannot.
/// </summary>
/// <remarks>
/// <para>Choices where the specification leaves room, kept in line with Confluent Schema Registry (which uses the
/// Java Avro compatibility checker):</para>
/// <list type="bullet">
/// <item>Named types match on their unqualified name, as the specification says, or when a reader alias equals
/// the writer's full name. Moving a type to another namespace is therefore compatible.</item>
/// <item>A reader union reads a writer non-union when any of its branches can read it; the first such branch is
/// the one the specification would pick.</item>
/// <item>Logical types are ignored except <c>decimal</c>: when both sides are decimal, precision and scale must
/// be equal, because the same bytes would otherwise decode to a different number.</item>
/// <item>Recursive types are compared coinductively: a (reader, writer) pair already being compared on the current
/// path is assumed compatible, so the check terminates.</item>
/// </list>
/// </remarks>
public static class AvroSchemaResolution
{
    /// <summary>Checks whether <paramref name="reader"/> can read all data written with <paramref name="writer"/>.</summary>
    /// <param name="reader">The schema the consumer decodes with.</param>
    /// <param name="writer">The schema the data was encoded with.</param>
    /// <returns>Every incompatibility found; none when the reader can read the writer's data.</returns>
    public static SchemaResolutionResult CanRead(Schema reader, Schema writer)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(writer);

        var errors = new List<SchemaIncompatibility>();
        new Resolver(NamedSchemaAliasIndex.Build(reader)).Resolve(reader, writer, "/", errors);
        return new SchemaResolutionResult(errors.Distinct().ToList());
    }

    private sealed class Resolver(NamedSchemaAliasIndex readerAliases)
    {
        private readonly HashSet<(Schema Reader, Schema Writer)> _inProgress = new(SchemaPairReferenceComparer.Instance);

        public bool Resolve(Schema reader, Schema writer, string location, List<SchemaIncompatibility> errors)
        {
            // A writer union is checked first and branch by branch, whatever the reader is: the writer may have
            // written any branch, so each one must be readable.
            if (writer is UnionSchema writerUnion)
            {
                return ResolveWriterUnion(reader, writerUnion, location, errors);
            }

            if (reader is UnionSchema readerUnion)
            {
                return ResolveReaderUnion(readerUnion, writer, location, errors);
            }

            var compatible = true;
            if (reader is LogicalSchema readerLogical && writer is LogicalSchema writerLogical)
            {
                compatible = ResolveDecimal(readerLogical, writerLogical, location, errors);
            }

            reader = WithoutLogicalType(reader);
            writer = WithoutLogicalType(writer);

            return ResolveByKind(reader, writer, location, errors) && compatible;
        }

        private bool ResolveByKind(Schema reader, Schema writer, string location, List<SchemaIncompatibility> errors)
        {
            switch (reader)
            {
                case RecordSchema readerRecord when writer is RecordSchema writerRecord:
                    return ResolveRecord(readerRecord, writerRecord, location, errors);
                case EnumSchema readerEnum when writer is EnumSchema writerEnum:
                    return ResolveEnum(readerEnum, writerEnum, location, errors);
                case FixedSchema readerFixed when writer is FixedSchema writerFixed:
                    return ResolveFixed(readerFixed, writerFixed, location, errors);
                case ArraySchema readerArray when writer is ArraySchema writerArray:
                    return Resolve(readerArray.ItemSchema, writerArray.ItemSchema, Child(location, "items"), errors);
                case MapSchema readerMap when writer is MapSchema writerMap:
                    return Resolve(readerMap.ValueSchema, writerMap.ValueSchema, Child(location, "values"), errors);
                case PrimitiveSchema when writer is PrimitiveSchema && IsPromotable(writer.Tag, reader.Tag):
                    return true;
                default:
                    errors.Add(new SchemaIncompatibility(
                        IncompatibilityType.TypeMismatch,
                        location,
                        $"reader type {Describe(reader)} cannot read writer type {Describe(writer)}"));
                    return false;
            }
        }

        private bool ResolveWriterUnion(Schema reader, UnionSchema writer, string location, List<SchemaIncompatibility> errors)
        {
            var compatible = true;
            for (var i = 0; i < writer.Count; i++)
            {
                var branch = writer[i];
                var branchLocation = Child(location, i.ToString(CultureInfo.InvariantCulture));
                var branchErrors = new List<SchemaIncompatibility>();
                if (Resolve(reader, branch, branchLocation, branchErrors))
                {
                    continue;
                }

                compatible = false;

                if (reader is UnionSchema)
                {
                    // The reader union has already reported MISSING_UNION_BRANCH and its reasons.
                    errors.AddRange(branchErrors);
                    continue;
                }

                errors.Add(new SchemaIncompatibility(
                    IncompatibilityType.MissingUnionBranch,
                    branchLocation,
                    $"reader type {Describe(reader)} cannot read writer union branch {i} ({Describe(branch)})"));

                // Between different kinds of type the reasons would only repeat the TYPE_MISMATCH said above;
                // between the same kind (a record that changed) they are what the user has to fix.
                if (IsCounterpart(reader, branch))
                {
                    errors.AddRange(branchErrors);
                }
            }

            return compatible;
        }

        private bool ResolveReaderUnion(UnionSchema reader, Schema writer, string location, List<SchemaIncompatibility> errors)
        {
            foreach (var branch in reader.Schemas)
            {
                if (Resolve(branch, writer, location, []))
                {
                    return true;
                }
            }

            errors.Add(new SchemaIncompatibility(
                IncompatibilityType.MissingUnionBranch,
                location,
                $"reader union has no branch that can read writer type {Describe(writer)}"));

            // When the union holds the same kind of type (typically the record in ["null", Record]), why that
            // branch failed is the actionable part, so its reasons are reported too.
            if (FindCounterpart(reader, writer) is { } counterpart)
            {
                Resolve(counterpart, writer, location, errors);
            }

            return false;
        }

        private bool ResolveRecord(RecordSchema reader, RecordSchema writer, string location, List<SchemaIncompatibility> errors)
        {
            // Recursive types come back to a pair already on the path; assuming it compatible there is what makes
            // the comparison terminate, and any real difference is still found on the first visit.
            if (!_inProgress.Add((reader, writer)))
            {
                return true;
            }

            try
            {
                var compatible = ResolveName(reader, writer, location, errors);
                for (var i = 0; i < reader.Fields.Count; i++)
                {
                    var readerField = reader.Fields[i];
                    var fieldLocation = Child(location, "fields", i.ToString(CultureInfo.InvariantCulture));
                    var writerField = FindWriterField(writer, readerField);
                    if (writerField is null)
                    {
                        // DefaultValue is null only when the field has no "default"; "default": null is a JSON null token.
                        if (readerField.DefaultValue is null)
                        {
                            errors.Add(new SchemaIncompatibility(
                                IncompatibilityType.ReaderFieldMissingDefaultValue,
                                fieldLocation,
                                $"reader field '{readerField.Name}' has no default and is missing from the writer"));
                            compatible = false;
                        }

                        continue;
                    }

                    compatible &= Resolve(readerField.Schema, writerField.Schema, Child(fieldLocation, "type"), errors);
                }

                return compatible;
            }
            finally
            {
                _inProgress.Remove((reader, writer));
            }
        }

        private bool ResolveEnum(EnumSchema reader, EnumSchema writer, string location, List<SchemaIncompatibility> errors)
        {
            var compatible = ResolveName(reader, writer, location, errors);
            var missing = writer.Symbols.Where(symbol => !reader.Contains(symbol)).ToList();
            if (missing.Count > 0 && reader.Default is null)
            {
                errors.Add(new SchemaIncompatibility(
                    IncompatibilityType.MissingEnumSymbols,
                    Child(location, "symbols"),
                    $"reader enum '{reader.Fullname}' has no default and lacks writer symbols [{string.Join(", ", missing)}]"));
                compatible = false;
            }

            return compatible;
        }

        private bool ResolveFixed(FixedSchema reader, FixedSchema writer, string location, List<SchemaIncompatibility> errors)
        {
            var compatible = ResolveName(reader, writer, location, errors);
            if (reader.Size != writer.Size)
            {
                errors.Add(new SchemaIncompatibility(
                    IncompatibilityType.FixedSizeMismatch,
                    Child(location, "size"),
                    $"reader fixed '{reader.Fullname}' has size {reader.Size} but writer fixed '{writer.Fullname}' has size {writer.Size}"));
                compatible = false;
            }

            return compatible;
        }

        private static bool ResolveDecimal(LogicalSchema reader, LogicalSchema writer, string location, List<SchemaIncompatibility> errors)
        {
            if (reader.LogicalTypeName != "decimal" || writer.LogicalTypeName != "decimal")
            {
                return true;
            }

            var (readerPrecision, readerScale) = (DecimalAttribute(reader, "precision"), DecimalAttribute(reader, "scale"));
            var (writerPrecision, writerScale) = (DecimalAttribute(writer, "precision"), DecimalAttribute(writer, "scale"));
            if (readerPrecision == writerPrecision && readerScale == writerScale)
            {
                return true;
            }

            errors.Add(new SchemaIncompatibility(
                IncompatibilityType.DecimalPrecisionScaleMismatch,
                location,
                $"reader decimal({readerPrecision},{readerScale}) cannot read writer decimal({writerPrecision},{writerScale})"));
            return false;
        }

        private bool ResolveName(NamedSchema reader, NamedSchema writer, string location, List<SchemaIncompatibility> errors)
        {
            if (string.Equals(reader.Name, writer.Name, StringComparison.Ordinal)
                || readerAliases.HasAlias(reader.Fullname, writer.Fullname))
            {
                return true;
            }

            errors.Add(new SchemaIncompatibility(
                IncompatibilityType.NameMismatch,
                Child(location, "name"),
                $"reader {Describe(reader)} does not match writer {Describe(writer)} by name or alias"));
            return false;
        }

        private static Field? FindWriterField(RecordSchema writer, Field readerField)
        {
            if (writer.TryGetField(readerField.Name, out var byName))
            {
                return byName;
            }

            foreach (var alias in readerField.Aliases ?? [])
            {
                if (writer.TryGetField(alias, out var byAlias))
                {
                    return byAlias;
                }
            }

            return null;
        }

        private Schema? FindCounterpart(UnionSchema reader, Schema writer) =>
            reader.Schemas.FirstOrDefault(branch => IsCounterpart(branch, writer));

        // The same kind of type, and for named types the same type by name or alias: the reader type a writer
        // type "evolved from", whose detailed differences explain a failed match.
        private bool IsCounterpart(Schema reader, Schema writer)
        {
            var plainReader = WithoutLogicalType(reader);
            var plainWriter = WithoutLogicalType(writer);
            if (plainReader.GetType() != plainWriter.GetType())
            {
                return false;
            }

            return plainReader switch
            {
                PrimitiveSchema => plainReader.Tag == plainWriter.Tag,
                NamedSchema named => string.Equals(named.Name, ((NamedSchema)plainWriter).Name, StringComparison.Ordinal)
                    || readerAliases.HasAlias(named.Fullname, plainWriter.Fullname),
                _ => true,
            };
        }
    }

    private static bool IsPromotable(Schema.Type writer, Schema.Type reader) => (writer, reader) switch
    {
        _ when writer == reader => true,
        (Schema.Type.Int, Schema.Type.Long or Schema.Type.Float or Schema.Type.Double) => true,
        (Schema.Type.Long, Schema.Type.Float or Schema.Type.Double) => true,
        (Schema.Type.Float, Schema.Type.Double) => true,
        (Schema.Type.String, Schema.Type.Bytes) or (Schema.Type.Bytes, Schema.Type.String) => true,
        _ => false,
    };

    private static Schema WithoutLogicalType(Schema schema) => schema is LogicalSchema logical ? logical.BaseSchema : schema;

    // The specification defaults a missing scale to zero; a missing precision is invalid Avro, and Apache.Avro
    // rejects it at parse time, so zero there only keeps this total.
    private static int DecimalAttribute(LogicalSchema schema, string name) =>
        schema.GetProperty(name) is { } raw && int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : 0;

    private static string Describe(Schema schema) => schema switch
    {
        LogicalSchema logical => $"{Describe(logical.BaseSchema)} (logical type '{logical.LogicalTypeName}')",
        NamedSchema named => $"{Schema.GetTypeString(named.Tag)} '{named.Fullname}'",
        _ => $"'{Schema.GetTypeString(schema.Tag)}'",
    };

    private static string Child(string location, params string[] segments) =>
        (location == "/" ? string.Empty : location) + "/" + string.Join('/', segments);

    private sealed class SchemaPairReferenceComparer : IEqualityComparer<(Schema Reader, Schema Writer)>
    {
        public static readonly SchemaPairReferenceComparer Instance = new();

        // Schema.Equals is structural and itself recursive; identity is what marks "this exact pair again".
        public bool Equals((Schema Reader, Schema Writer) x, (Schema Reader, Schema Writer) y) =>
            ReferenceEquals(x.Reader, y.Reader) && ReferenceEquals(x.Writer, y.Writer);

        public int GetHashCode((Schema Reader, Schema Writer) obj) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(obj.Reader), RuntimeHelpers.GetHashCode(obj.Writer));
    }
}

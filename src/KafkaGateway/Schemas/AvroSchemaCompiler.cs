using System.Globalization;
using System.Text.Json;
using Avro;

namespace KafkaGateway.Schemas;

/// <summary>
/// Turns a parsed <see cref="Schema"/> into the <see cref="AvroSchemaNode"/> tree once, so that encoding and decoding
/// never look at Apache.Avro's object model (or parse anything) per record.
/// </summary>
internal sealed class AvroSchemaCompiler
{
    private readonly Dictionary<string, AvroSchemaNode> _named = new(StringComparer.Ordinal);
    private readonly List<AvroSchemaNode> _records = [];
    private IReadOnlyDictionary<(string Record, string Field), string> _logicalTypeHints = new Dictionary<(string, string), string>();

    /// <summary>Compiles <paramref name="schema"/>; <paramref name="schemaJson"/>, when given, is read for misplaced logical types.</summary>
    public static AvroSchemaNode Compile(Schema schema, string? schemaJson = null)
    {
        var compiler = new AvroSchemaCompiler();
        if (schemaJson is not null)
        {
            compiler._logicalTypeHints = MisplacedLogicalTypes.Find(schemaJson);
        }

        var root = compiler.Visit(schema);
        compiler.ComputeRecordMinSizes();
        compiler.EncodeDefaults();
        return root;
    }

    private AvroSchemaNode Visit(Schema schema)
    {
        switch (schema)
        {
            case LogicalSchema logical:
                return VisitLogical(logical);
            case RecordSchema record:
                return VisitRecord(record);
            case EnumSchema enumSchema:
                return VisitEnum(enumSchema);
            case FixedSchema fixedSchema:
                return VisitFixed(fixedSchema);
            case ArraySchema array:
            {
                var items = Visit(array.ItemSchema);
                return new AvroSchemaNode(AvroKind.Array, "array") { Items = items, MinEncodedSize = 1 };
            }
            case MapSchema map:
            {
                var values = Visit(map.ValueSchema);
                return new AvroSchemaNode(AvroKind.Map, "map") { Items = values, MinEncodedSize = 1 };
            }
            case UnionSchema union:
                return VisitUnion(union);
            default:
                return VisitPrimitive(schema);
        }
    }

    private static AvroSchemaNode VisitPrimitive(Schema schema)
    {
        var (kind, minSize) = schema.Tag switch
        {
            Schema.Type.Null => (AvroKind.Null, 0),
            Schema.Type.Boolean => (AvroKind.Boolean, 1),
            Schema.Type.Int => (AvroKind.Int, 1),
            Schema.Type.Long => (AvroKind.Long, 1),
            Schema.Type.Float => (AvroKind.Float, 4),
            Schema.Type.Double => (AvroKind.Double, 8),
            Schema.Type.Bytes => (AvroKind.Bytes, 1),
            Schema.Type.String => (AvroKind.String, 1),
            _ => throw new NotSupportedException($"Unsupported Avro schema type {schema.Tag}."),
        };
        return new AvroSchemaNode(kind, Schema.GetTypeString(schema.Tag)) { MinEncodedSize = minSize };
    }

    private AvroSchemaNode VisitLogical(LogicalSchema logical)
    {
        var node = Visit(logical.BaseSchema);
        var name = logical.LogicalTypeName;
        var kind = name switch
        {
            "decimal" when node.Kind is AvroKind.Bytes or AvroKind.Fixed => AvroLogicalKind.Decimal,
            // Avro 1.12 also allows uuid on fixed(16); Apache.Avro 1.12.2's parser still rejects that, so the fixed
            // path only comes alive once the library catches up.
            "uuid" when node.Kind == AvroKind.String || (node.Kind == AvroKind.Fixed && node.Size == 16) => AvroLogicalKind.Uuid,
            "date" when node.Kind == AvroKind.Int => AvroLogicalKind.Date,
            "time-millis" when node.Kind == AvroKind.Int => AvroLogicalKind.TimeMillis,
            "time-micros" when node.Kind == AvroKind.Long => AvroLogicalKind.TimeMicros,
            "timestamp-millis" when node.Kind == AvroKind.Long => AvroLogicalKind.TimestampMillis,
            "timestamp-micros" when node.Kind == AvroKind.Long => AvroLogicalKind.TimestampMicros,
            "timestamp-nanos" when node.Kind == AvroKind.Long => AvroLogicalKind.TimestampNanos,
            "local-timestamp-millis" when node.Kind == AvroKind.Long => AvroLogicalKind.LocalTimestampMillis,
            "local-timestamp-micros" when node.Kind == AvroKind.Long => AvroLogicalKind.LocalTimestampMicros,
            "local-timestamp-nanos" when node.Kind == AvroKind.Long => AvroLogicalKind.LocalTimestampNanos,
            // The spec says readers ignore logical types they do not know (or that annotate the wrong type).
            _ => AvroLogicalKind.None,
        };
        if (kind == AvroLogicalKind.None)
        {
            return node;
        }

        node.Logical = kind;
        if (kind == AvroLogicalKind.Decimal)
        {
            node.Precision = ReadIntProperty(logical, "precision") ?? 0;
            node.Scale = ReadIntProperty(logical, "scale") ?? 0;
            if (node.Precision <= 0 || node.Scale < 0 || node.Scale > node.Precision)
            {
                throw new ArgumentException(
                    $"Invalid decimal logical type: precision {node.Precision}, scale {node.Scale}.", nameof(logical));
            }

            node.Display = $"decimal({node.Precision},{node.Scale})";
        }
        else
        {
            node.Display = name;
        }

        return node;
    }

    private static int? ReadIntProperty(Schema schema, string name)
    {
        var raw = schema.GetProperty(name) ?? (schema as LogicalSchema)?.BaseSchema.GetProperty(name);
        return raw is not null && int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
    }

    private AvroSchemaNode VisitRecord(RecordSchema record)
    {
        if (_named.TryGetValue(record.Fullname, out var existing))
        {
            return existing;
        }

        var node = new AvroSchemaNode(AvroKind.Record, record.Fullname)
        {
            ShortName = record.Name,
            Display = $"record {record.Fullname}",
        };
        // Registered before the fields are visited so that a recursive reference finds this node.
        _named.Add(record.Fullname, node);
        _records.Add(node);

        var fields = new AvroField[record.Fields.Count];
        for (var i = 0; i < fields.Length; i++)
        {
            var field = record.Fields[i];
            fields[i] = new AvroField(field.Name, Visit(field.Schema)) { LogicalTypeHint = _logicalTypeHints.GetValueOrDefault((record.Fullname, field.Name)) };
            if (field.DefaultValue is not null)
            {
                using var document = JsonDocument.Parse(field.DefaultValue.ToString(Newtonsoft.Json.Formatting.None));
                fields[i].DefaultJson = document.RootElement.Clone();
            }
        }

        node.Fields = fields;
        return node;
    }

    private AvroSchemaNode VisitEnum(EnumSchema enumSchema)
    {
        if (_named.TryGetValue(enumSchema.Fullname, out var existing))
        {
            return existing;
        }

        var symbols = enumSchema.Symbols.ToArray();
        var node = new AvroSchemaNode(AvroKind.Enum, enumSchema.Fullname)
        {
            ShortName = enumSchema.Name,
            Display = $"enum {enumSchema.Fullname}",
            Symbols = symbols,
            EncodedSymbols = Array.ConvertAll(symbols, s => JsonEncodedText.Encode(s)),
            MinEncodedSize = 1,
        };
        _named.Add(enumSchema.Fullname, node);
        return node;
    }

    private AvroSchemaNode VisitFixed(FixedSchema fixedSchema)
    {
        if (_named.TryGetValue(fixedSchema.Fullname, out var existing))
        {
            return existing;
        }

        var node = new AvroSchemaNode(AvroKind.Fixed, fixedSchema.Fullname)
        {
            ShortName = fixedSchema.Name,
            Display = $"fixed {fixedSchema.Fullname} (size {fixedSchema.Size})",
            Size = fixedSchema.Size,
            MinEncodedSize = fixedSchema.Size,
        };
        _named.Add(fixedSchema.Fullname, node);
        return node;
    }

    private AvroSchemaNode VisitUnion(UnionSchema union)
    {
        var branches = union.Schemas.Select(Visit).ToArray();
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < branches.Length; i++)
        {
            byName.TryAdd(branches[i].TypeName, i);
        }

        // Short names second, so that a full name always wins over another type's short name.
        for (var i = 0; i < branches.Length; i++)
        {
            if (branches[i].ShortName is { } shortName)
            {
                byName.TryAdd(shortName, i);
            }
        }

        return new AvroSchemaNode(AvroKind.Union, "union")
        {
            Branches = branches,
            BranchByName = byName,
            CandidatesByJsonKind = BuildCandidates(branches),
            Display = "union [" + string.Join(", ", branches.Select(b => b.Kind == AvroKind.Record ? b.TypeName : b.Display)) + "]",
            MinEncodedSize = 1,
        };
    }

    /// <summary>
    /// The union inference order documented on <see cref="AvroJsonCodec"/>: for each JSON kind, the branches that can
    /// take it, by preference rank and then schema order.
    /// </summary>
    private static int[][] BuildCandidates(AvroSchemaNode[] branches)
    {
        var byKind = new int[(int)JsonValueKind.Null + 1][];
        for (var kind = JsonValueKind.Undefined; kind <= JsonValueKind.Null; kind++)
        {
            byKind[(int)kind] = Enumerable.Range(0, branches.Length)
                .Select(i => (Index: i, Rank: CandidateRank(branches[i], kind)))
                .Where(c => c.Rank >= 0)
                .OrderBy(c => c.Rank)
                .ThenBy(c => c.Index)
                .Select(c => c.Index)
                .ToArray();
        }

        return byKind;
    }

    private static int CandidateRank(AvroSchemaNode branch, JsonValueKind kind) => kind switch
    {
        JsonValueKind.Null => branch.Kind == AvroKind.Null ? 0 : -1,
        JsonValueKind.True or JsonValueKind.False => branch.Kind == AvroKind.Boolean ? 0 : -1,
        JsonValueKind.Number => branch.Kind switch
        {
            AvroKind.Int => 0,
            AvroKind.Long => 1,
            AvroKind.Double => 2,
            AvroKind.Float => 3,
            AvroKind.Bytes or AvroKind.Fixed when branch.IsDecimal => 4,
            _ => -1,
        },
        JsonValueKind.String => branch.Kind switch
        {
            AvroKind.String => 0,
            AvroKind.Enum => 1,
            AvroKind.Int or AvroKind.Long when branch.Logical != AvroLogicalKind.None => 2,
            AvroKind.Bytes or AvroKind.Fixed when branch.IsDecimal => 3,
            AvroKind.Fixed when branch.Logical == AvroLogicalKind.Uuid => 4,
            AvroKind.Bytes => 5,
            AvroKind.Fixed => 6,
            _ => -1,
        },
        JsonValueKind.Array => branch.Kind == AvroKind.Array ? 0 : -1,
        JsonValueKind.Object => branch.Kind is AvroKind.Record or AvroKind.Map ? 0 : -1,
        _ => -1,
    };

    private void ComputeRecordMinSizes()
    {
        // Records are reached in discovery order; a record still being summed counts as 0 (a valid lower bound),
        // which keeps recursive schemas finite. Repeating until stable tightens the bound for nested records.
        bool changed;
        var rounds = 0;
        do
        {
            changed = false;
            foreach (var record in _records)
            {
                var sum = 0L;
                foreach (var field in record.Fields)
                {
                    sum += field.Node.MinEncodedSize;
                }

                var size = (int)Math.Min(sum, int.MaxValue);
                if (size != record.MinEncodedSize)
                {
                    record.MinEncodedSize = size;
                    changed = true;
                }
            }
        }
        while (changed && ++rounds < 16);
    }

    private void EncodeDefaults()
    {
        foreach (var record in _records)
        {
            foreach (var field in record.Fields)
            {
                if (field.DefaultJson is not { } defaultJson)
                {
                    continue;
                }

                var errors = new List<AvroConversionError>();
                var bytes = AvroJsonEncoder.EncodeDefault(field.Node, defaultJson, errors);
                if (bytes is not null)
                {
                    field.DefaultBytes = bytes;
                }
                else
                {
                    field.DefaultError = errors.Count > 0 ? errors[0].ToString() : "invalid default";
                }
            }
        }
    }
}

/// <summary>
/// Finds fields written as <c>{"name": "ts", "type": "long", "logicalType": "timestamp-millis"}</c> (as in several
/// tutorials). Avro reads <c>logicalType</c> only inside a type, so such a field is a plain long and Apache.Avro does
/// not even keep the attribute: the schema text is read for it, so the error on an ISO time can say why it is refused
/// and where the attribute belongs.
/// </summary>
internal static class MisplacedLogicalTypes
{
    /// <summary>Hint text by (record full name, field name).</summary>
    public static IReadOnlyDictionary<(string Record, string Field), string> Find(string schemaJson)
    {
        var hints = new Dictionary<(string, string), string>();
        try
        {
            using var document = JsonDocument.Parse(schemaJson, new JsonDocumentOptions { MaxDepth = 256 });
            Walk(document.RootElement, null, hints, 0);
        }
        catch (JsonException)
        {
            // The parser reports invalid text; no hints then.
        }

        return hints;
    }

    private static void Walk(JsonElement node, string? enclosingNamespace, Dictionary<(string, string), string> hints, int depth)
    {
        if (depth > 128)
        {
            return;
        }

        switch (node.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var branch in node.EnumerateArray())
                {
                    Walk(branch, enclosingNamespace, hints, depth + 1);
                }

                return;
            case JsonValueKind.Object:
                break;
            default:
                return;
        }

        var type = node.TryGetProperty("type", out var t) ? t : default;
        if (type.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
        {
            Walk(type, enclosingNamespace, hints, depth + 1);
            return;
        }

        var typeName = type.ValueKind == JsonValueKind.String ? type.GetString() : null;
        switch (typeName)
        {
            case "record" or "error":
                var name = node.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
                var ns = name.Contains('.', StringComparison.Ordinal)
                    ? name[..name.LastIndexOf('.')]
                    : node.TryGetProperty("namespace", out var nsElement) && nsElement.ValueKind == JsonValueKind.String ? nsElement.GetString() : enclosingNamespace;
                var fullName = name.Contains('.', StringComparison.Ordinal) || string.IsNullOrEmpty(ns) ? name : $"{ns}.{name}";
                if (!node.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Array)
                {
                    return;
                }

                foreach (var field in fields.EnumerateArray())
                {
                    if (field.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    var fieldType = field.TryGetProperty("type", out var ft) ? ft : default;
                    if (field.TryGetProperty("logicalType", out var logical) && logical.ValueKind == JsonValueKind.String
                        && field.TryGetProperty("name", out var fieldName) && fieldName.ValueKind == JsonValueKind.String
                        && fieldType.ValueKind is JsonValueKind.String or JsonValueKind.Array)
                    {
                        var primitive = fieldType.ValueKind == JsonValueKind.String ? fieldType.GetString() : "long";
                        var logicalType = logical.GetString();
                        hints[(fullName, fieldName.GetString()!)] =
                            $"the field declares \"logicalType\": \"{logicalType}\" beside \"type\": {fieldType.GetRawText()}, where Avro ignores it; " +
                            $"it belongs inside the type: \"type\": {{\"type\": \"{primitive}\", \"logicalType\": \"{logicalType}\"}}";
                    }

                    Walk(fieldType, ns, hints, depth + 1);
                }

                return;
            case "array":
                if (node.TryGetProperty("items", out var items))
                {
                    Walk(items, enclosingNamespace, hints, depth + 1);
                }

                return;
            case "map":
                if (node.TryGetProperty("values", out var values))
                {
                    Walk(values, enclosingNamespace, hints, depth + 1);
                }

                return;
            default:
                return;
        }
    }
}

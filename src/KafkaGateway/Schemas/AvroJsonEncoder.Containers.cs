using System.Text.Json;

namespace KafkaGateway.Schemas;

/// <summary>Writers of records, arrays and maps, and the nesting bound they share.</summary>
internal sealed partial class AvroJsonEncoder
{
    private void WriteRecord(AvroSchemaNode node, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            Mismatch(node, value);
            return;
        }

        if (!EnterContainer())
        {
            return;
        }

        if (MembersInSchemaOrder(node.Fields, value))
        {
            // The object holds exactly the schema's fields in the schema's order (what clients usually send): one
            // forward walk instead of a TryGetProperty scan per field. No member can repeat (the names are the
            // fields' and the counts are equal), so the values are those the scans would find, and no member is
            // unexpected; what is written and reported is the same.
            var members = value.EnumerateObject();
            foreach (var field in node.Fields)
            {
                members.MoveNext();
                WriteField(field, members.Current.Value);
                if (ShouldStop)
                {
                    break;
                }
            }

            _depth--;
            return;
        }

        var matched = 0;
        foreach (var field in node.Fields)
        {
            if (value.TryGetProperty(field.Utf8Name, out var fieldValue))
            {
                matched++;
                WriteField(field, fieldValue);
            }
            else if (field.DefaultBytes is not null)
            {
                WriteRaw(field.DefaultBytes);
            }
            else if (_defaultMode && field.DefaultJson is { } defaultJson)
            {
                Push(new PathSegment(field.Name, -1));
                Write(field.Node, defaultJson);
                Pop();
            }
            else
            {
                Push(new PathSegment(field.Name, -1));
                Error(field.DefaultError is null
                    ? $"required field missing ({field.Node.Display})"
                    : $"required field missing ({field.Node.Display}); the schema default is unusable: {field.DefaultError}");
                Pop();
            }

            if (ShouldStop)
            {
                break;
            }
        }

        if (!ShouldStop && CountProperties(value) != matched)
        {
            ReportUnexpectedProperties(node, value);
        }

        _depth--;
    }

    private void WriteField(AvroField field, JsonElement fieldValue)
    {
        Push(new PathSegment(field.Name, -1));
        var errorsBefore = _errors.Count;
        Write(field.Node, fieldValue);
        if (field.LogicalTypeHint is { } hint && _errors.Count > errorsBefore)
        {
            AddHint(errorsBefore, hint);
        }

        Pop();
    }

    /// <summary>Whether <paramref name="value"/>'s members are <paramref name="fields"/>, one each, in that order.</summary>
    private static bool MembersInSchemaOrder(AvroField[] fields, JsonElement value)
    {
        var i = 0;
        foreach (var member in value.EnumerateObject())
        {
            if (i == fields.Length || !member.NameEquals(fields[i].Utf8Name))
            {
                return false;
            }

            i++;
        }

        return i == fields.Length;
    }

    private void ReportUnexpectedProperties(AvroSchemaNode node, JsonElement value)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            var known = Array.Exists(node.Fields, f => f.Name == property.Name);
            Push(new PathSegment(property.Name, -1));
            if (!known)
            {
                Error($"unknown field (schema {node.TypeName} has fields {string.Join(", ", node.Fields.Select(f => f.Name))})");
            }
            else if (!seen.Add(property.Name))
            {
                Error("duplicate field");
            }

            Pop();
            if (ShouldStop)
            {
                return;
            }
        }
    }

    private static int CountProperties(JsonElement value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateObject())
        {
            count++;
        }

        return count;
    }

    private void WriteArray(AvroSchemaNode node, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            Mismatch(node, value);
            return;
        }

        if (!EnterContainer())
        {
            return;
        }

        var count = value.GetArrayLength();
        if (count > 0)
        {
            // One block holding every item, then the zero-count terminator.
            WriteVarLong(count);
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Push(new PathSegment(null, index++));
                Write(node.Items!, item);
                Pop();
                if (ShouldStop)
                {
                    break;
                }
            }
        }

        WriteByte(0);
        _depth--;
    }

    private void WriteMap(AvroSchemaNode node, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            Mismatch(node, value);
            return;
        }

        if (!EnterContainer())
        {
            return;
        }

        var count = CountProperties(value);
        if (count > 0)
        {
            WriteVarLong(count);
            foreach (var property in value.EnumerateObject())
            {
                var key = property.Name;
                WriteUtf8(key);
                Push(new PathSegment(key, -1));
                Write(node.Items!, property.Value);
                Pop();
                if (ShouldStop)
                {
                    break;
                }
            }
        }

        WriteByte(0);
        _depth--;
    }

    private bool EnterContainer()
    {
        if (_depth >= AvroJsonCodec.MaxDepth)
        {
            Error($"nesting deeper than {AvroJsonCodec.MaxDepth} levels");
            return false;
        }

        _depth++;
        return true;
    }
}

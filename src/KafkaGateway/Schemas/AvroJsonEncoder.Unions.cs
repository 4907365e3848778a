using System.Text.Json;

namespace KafkaGateway.Schemas;

/// <summary>Union branch selection: the explicit <c>{"type": value}</c> form, then probing each branch in order without reporting errors.</summary>
internal sealed partial class AvroJsonEncoder
{
    private void WriteUnion(AvroSchemaNode node, JsonElement value)
    {
        if (_defaultMode)
        {
            WriteVarLong(0);
            Write(node.Branches[0], value);
            return;
        }

        var wrappedIndex = -1;
        var wrappedName = string.Empty;
        JsonElement wrappedValue = default;
        if (value.ValueKind == JsonValueKind.Object && TryGetSingleProperty(value, out var single)
            && node.BranchByName!.TryGetValue(single.Name, out var byName))
        {
            wrappedIndex = byName;
            wrappedName = single.Name;
            wrappedValue = single.Value;
            Push(new PathSegment(wrappedName, -1));
            var accepted = TryProbe(wrappedIndex, node.Branches[wrappedIndex], wrappedValue);
            Pop();
            if (accepted)
            {
                return;
            }
        }

        var candidates = node.CandidatesByJsonKind[(int)value.ValueKind];
        if (candidates.Length == 1 && wrappedIndex < 0)
        {
            // Only one branch can take this kind of JSON value: report its own, more precise errors.
            WriteVarLong(candidates[0]);
            Write(node.Branches[candidates[0]], value);
            return;
        }

        foreach (var candidate in candidates)
        {
            if (TryProbe(candidate, node.Branches[candidate], value))
            {
                return;
            }
        }

        if (wrappedIndex >= 0)
        {
            WriteVarLong(wrappedIndex);
            Push(new PathSegment(wrappedName, -1));
            Write(node.Branches[wrappedIndex], wrappedValue);
            Pop();
            return;
        }

        Mismatch(node, value);
    }

    private static bool TryGetSingleProperty(JsonElement value, out JsonProperty property)
    {
        property = default;
        var count = 0;
        foreach (var candidate in value.EnumerateObject())
        {
            if (++count > 1)
            {
                return false;
            }

            property = candidate;
        }

        return count == 1;
    }

    /// <summary>
    /// Encodes the value as the given branch without reporting errors; keeps the bytes when it fits and rolls the
    /// buffer back when it does not, so the winning branch is never encoded twice.
    /// </summary>
    private bool TryProbe(int branchIndex, AvroSchemaNode branch, JsonElement value)
    {
        var mark = _length;
        var savedProbe = _probe;
        var savedFailed = _failed;
        var savedDepth = _depth;
        var savedPath = _pathLength;
        _probe = true;
        _failed = false;
        WriteVarLong(branchIndex);
        Write(branch, value);
        var accepted = !_failed;
        _probe = savedProbe;
        _failed = savedFailed;
        _depth = savedDepth;
        _pathLength = savedPath;
        if (!accepted)
        {
            _length = mark;
        }

        return accepted;
    }
}

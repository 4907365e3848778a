using Avro;
using KafkaGateway.Schemas.Compatibility;
using static KafkaGateway.Tests.Schemas.Compatibility.AvroSchemaText;

namespace KafkaGateway.Tests.Schemas.Compatibility;

public sealed class SchemaCompatibilityCheckerTests
{
    private static readonly string _base = Record("Reading", Field("id", "'string'"));
    private static readonly string _addedWithDefault = Record("Reading", Field("id", "'string'"), Field("unit", "'string'", "'C'"));
    private static readonly string _addedWithoutDefault = Record("Reading", Field("id", "'string'"), Field("unit", "'string'"));

    /// <summary>
    /// Schema evolutions under every level: existing schema, candidate schema, and whether registration is allowed.
    /// </summary>
    public static TheoryData<CompatibilityLevel, string, string, string, bool> Evolutions()
    {
        var data = new TheoryData<CompatibilityLevel, string, string, string, bool>();

        // Adding a field with a default: both directions can read.
        Add(data, "add field with default", _base, _addedWithDefault, backward: true, forward: true);

        // Adding a field without a default: the new reader finds nothing in old data; old readers ignore it.
        Add(data, "add field without default", _base, _addedWithoutDefault, backward: false, forward: true);

        // Removing a field that had no default: the new reader ignores it; old readers miss it.
        Add(data, "remove field without default", _addedWithoutDefault, _base, backward: true, forward: false);

        // Removing a field that had a default: old readers fill it in.
        Add(data, "remove field with default", _addedWithDefault, _base, backward: true, forward: true);

        // Widening int to long: the new reader promotes; old readers cannot narrow.
        Add(data, "widen int to long", Record("R", Field("n", "'int'")), Record("R", Field("n", "'long'")), backward: true, forward: false);

        // Adding an enum symbol: the new reader knows all old symbols; old readers lack the new one.
        Add(
            data,
            "add enum symbol",
            "{'type':'enum','name':'E','symbols':['A']}",
            "{'type':'enum','name':'E','symbols':['A','B']}",
            backward: true,
            forward: false);

        // Adding a union branch: the new reader has every old branch; old readers lack the new one.
        Add(data, "add union branch", "['null','string']", "['null','string','int']", backward: true, forward: false);

        // Changing the type entirely breaks both directions.
        Add(data, "change type", Record("R", Field("n", "'int'")), Record("R", Field("n", "'string'")), backward: false, forward: false);

        return data;
    }

    [Theory]
    [MemberData(nameof(Evolutions))]
    public void Check_SingleExistingSchema_FollowsLevelSemantics(
        CompatibilityLevel level,
        string evolution,
        string existingJson,
        string candidateJson,
        bool expected)
    {
        var result = SchemaCompatibilityChecker.Check(level, Parse(candidateJson), [Parse(existingJson)]);

        Assert.True(expected == result.IsCompatible, $"{evolution} under {level}: {string.Join("; ", result.Messages)}");
        Assert.Equal(result.IsCompatible, result.Violations.Count == 0);
    }

    [Fact]
    public void Check_NoneLevel_AcceptsIncompatibleSchema()
    {
        var result = SchemaCompatibilityChecker.Check(
            CompatibilityLevel.None,
            Parse("'int'"),
            [Parse("'string'")]);

        Assert.True(result.IsCompatible);
        Assert.Empty(result.Messages);
    }

    [Theory]
    [InlineData(CompatibilityLevel.Backward)]
    [InlineData(CompatibilityLevel.ForwardTransitive)]
    [InlineData(CompatibilityLevel.FullTransitive)]
    public void Check_NoExistingSchemas_IsCompatible(CompatibilityLevel level)
    {
        var result = SchemaCompatibilityChecker.Check(level, Parse("'int'"), []);

        Assert.True(result.IsCompatible);
    }

    // v1 {id}; v2 adds unit with a default; v3 drops the default. v3 reads v2 data (unit is present) but not v1
    // data (unit is absent and has no default).
    [Theory]
    [InlineData(CompatibilityLevel.Backward, true)]
    [InlineData(CompatibilityLevel.BackwardTransitive, false)]
    public void Check_BackwardChainCompatibleOnlyWithLatest_TransitiveFails(CompatibilityLevel level, bool expected)
    {
        Schema[] existing = [Parse(_base), Parse(_addedWithDefault)];

        var result = SchemaCompatibilityChecker.Check(level, Parse(_addedWithoutDefault), existing);

        Assert.Equal(expected, result.IsCompatible);
    }

    // v1 reads with unit required; v2 gave unit a default; v3 drops unit. v2 reads v3 data, v1 cannot.
    [Theory]
    [InlineData(CompatibilityLevel.Forward, true)]
    [InlineData(CompatibilityLevel.ForwardTransitive, false)]
    public void Check_ForwardChainCompatibleOnlyWithLatest_TransitiveFails(CompatibilityLevel level, bool expected)
    {
        Schema[] existing = [Parse(_addedWithoutDefault), Parse(_addedWithDefault)];

        var result = SchemaCompatibilityChecker.Check(level, Parse(_base), existing);

        Assert.Equal(expected, result.IsCompatible);
    }

    // v1 {id, unit required}; v2 {id, unit default}; v3 {id}. v3 and v2 read each other; v1 cannot read v3.
    [Theory]
    [InlineData(CompatibilityLevel.Full, true)]
    [InlineData(CompatibilityLevel.FullTransitive, false)]
    public void Check_FullChainCompatibleOnlyWithLatest_TransitiveFails(CompatibilityLevel level, bool expected)
    {
        Schema[] existing = [Parse(_addedWithoutDefault), Parse(_addedWithDefault)];

        var result = SchemaCompatibilityChecker.Check(level, Parse(_base), existing);

        Assert.Equal(expected, result.IsCompatible);
    }

    [Fact]
    public void Check_TransitiveFailure_NamesOldestVersionAndDirection()
    {
        Schema[] existing = [Parse(_base), Parse(_addedWithDefault)];

        var result = SchemaCompatibilityChecker.Check(CompatibilityLevel.BackwardTransitive, Parse(_addedWithoutDefault), existing);

        var violation = Assert.Single(result.Violations);
        Assert.Equal(0, violation.ExistingSchemaIndex);
        Assert.Equal(CompatibilityDirection.NewReadsExisting, violation.Direction);
        Assert.Equal(IncompatibilityType.ReaderFieldMissingDefaultValue, violation.Incompatibility.Type);
    }

    [Fact]
    public void Check_ForwardFailure_ExistingSchemaIsReader()
    {
        var result = SchemaCompatibilityChecker.Check(CompatibilityLevel.Forward, Parse(_base), [Parse(_addedWithoutDefault)]);

        var violation = Assert.Single(result.Violations);
        Assert.Equal(CompatibilityDirection.ExistingReadsNew, violation.Direction);
        Assert.Equal("/fields/1", violation.Incompatibility.Location);
    }

    [Fact]
    public void Check_FullFailureInBothDirections_ReportsBoth()
    {
        var result = SchemaCompatibilityChecker.Check(
            CompatibilityLevel.Full,
            Parse(Record("R", Field("n", "'string'"))),
            [Parse(Record("R", Field("n", "'int'")))]);

        Assert.Equal(
            [CompatibilityDirection.NewReadsExisting, CompatibilityDirection.ExistingReadsNew],
            result.Violations.Select(v => v.Direction));
    }

    [Fact]
    public void Check_Incompatible_MessagesReadLikeConfluent()
    {
        var result = SchemaCompatibilityChecker.Check(CompatibilityLevel.Backward, Parse(_addedWithoutDefault), [Parse(_base)]);

        var message = Assert.Single(result.Messages);
        Assert.Equal(
            "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', location:'/fields/1', "
            + "description:'reader field 'unit' has no default and is missing from the writer', "
            + "readerSchema:'new', writerSchema:'existing #1', compatibility:'BACKWARD'}",
            message);
    }

    [Fact]
    public void Check_TransitiveFailures_ReportedNewestFirst()
    {
        Schema[] existing = [Parse(Record("R", Field("n", "'long'"))), Parse(Record("R", Field("n", "'double'")))];

        var result = SchemaCompatibilityChecker.Check(CompatibilityLevel.BackwardTransitive, Parse(Record("R", Field("n", "'int'"))), existing);

        Assert.Equal([1, 0], result.Violations.Select(v => v.ExistingSchemaIndex));
    }

    private static void Add(
        TheoryData<CompatibilityLevel, string, string, string, bool> data,
        string evolution,
        string existing,
        string candidate,
        bool backward,
        bool forward)
    {
        // With a single existing schema, transitive and non-transitive levels must agree.
        data.Add(CompatibilityLevel.None, evolution, existing, candidate, true);
        data.Add(CompatibilityLevel.Backward, evolution, existing, candidate, backward);
        data.Add(CompatibilityLevel.BackwardTransitive, evolution, existing, candidate, backward);
        data.Add(CompatibilityLevel.Forward, evolution, existing, candidate, forward);
        data.Add(CompatibilityLevel.ForwardTransitive, evolution, existing, candidate, forward);
        data.Add(CompatibilityLevel.Full, evolution, existing, candidate, backward && forward);
        data.Add(CompatibilityLevel.FullTransitive, evolution, existing, candidate, backward && forward);
    }
}

using KafkaGateway.Schemas.Compatibility;
using static KafkaGateway.Tests.Schemas.Compatibility.AvroSchemaText;

namespace KafkaGateway.Tests.Schemas.Compatibility;

public sealed class AvroSchemaResolutionTests
{
    private static readonly string[] _primitives = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];

    public static TheoryData<string> Primitives() => new(_primitives);

    /// <summary>
    /// One row per rule of the specification's "Schema Resolution" section: rule, reader, writer, and the error
    /// type expected (null when the reader can read the writer's data).
    /// </summary>
    public static TheoryData<string, string, string, IncompatibilityType?> SpecificationRules() => new()
    {
        // Primitive promotions: the writer's type may be promoted to the reader's.
        { "int promotes to long", "'long'", "'int'", null },
        { "int promotes to float", "'float'", "'int'", null },
        { "int promotes to double", "'double'", "'int'", null },
        { "long promotes to float", "'float'", "'long'", null },
        { "long promotes to double", "'double'", "'long'", null },
        { "float promotes to double", "'double'", "'float'", null },
        { "string promotes to bytes", "'bytes'", "'string'", null },
        { "bytes promotes to string", "'string'", "'bytes'", null },

        // Everything else between primitives is a mismatch, including narrowing.
        { "long does not narrow to int", "'int'", "'long'", IncompatibilityType.TypeMismatch },
        { "double does not narrow to float", "'float'", "'double'", IncompatibilityType.TypeMismatch },
        { "float does not become long", "'long'", "'float'", IncompatibilityType.TypeMismatch },
        { "double does not become int", "'int'", "'double'", IncompatibilityType.TypeMismatch },
        { "string does not become int", "'int'", "'string'", IncompatibilityType.TypeMismatch },
        { "int does not become string", "'string'", "'int'", IncompatibilityType.TypeMismatch },
        { "boolean does not become int", "'int'", "'boolean'", IncompatibilityType.TypeMismatch },
        { "null does not become string", "'string'", "'null'", IncompatibilityType.TypeMismatch },
        { "bytes does not become long", "'long'", "'bytes'", IncompatibilityType.TypeMismatch },
        { "primitive does not read record", "'string'", Record("R", Field("a", "'string'")), IncompatibilityType.TypeMismatch },
        { "array does not read map", "{'type':'array','items':'int'}", "{'type':'map','values':'int'}", IncompatibilityType.TypeMismatch },
        { "enum does not read string", "{'type':'enum','name':'E','symbols':['A']}", "'string'", IncompatibilityType.TypeMismatch },

        // Records: fields matched by name, writer-only fields ignored, reader-only fields need a default.
        { "identical records", Record("R", Field("a", "'int'")), Record("R", Field("a", "'int'")), null },
        { "field order does not matter", Record("R", Field("b", "'int'"), Field("a", "'string'")), Record("R", Field("a", "'string'"), Field("b", "'int'")), null },
        { "writer field absent in reader is ignored", Record("R", Field("a", "'int'")), Record("R", Field("a", "'int'"), Field("b", "'string'")), null },
        { "reader field with default missing from writer", Record("R", Field("a", "'int'"), Field("b", "'string'", "'x'")), Record("R", Field("a", "'int'")), null },
        { "reader field with null default missing from writer", Record("R", Field("a", "'int'"), Field("b", "['null','string']", "null")), Record("R", Field("a", "'int'")), null },
        { "reader field without default missing from writer", Record("R", Field("a", "'int'"), Field("b", "'string'")), Record("R", Field("a", "'int'")), IncompatibilityType.ReaderFieldMissingDefaultValue },
        { "field types resolve recursively: promotion", Record("R", Field("a", "'long'")), Record("R", Field("a", "'int'")), null },
        { "field types resolve recursively: narrowing", Record("R", Field("a", "'int'")), Record("R", Field("a", "'long'")), IncompatibilityType.TypeMismatch },
        { "field renamed with reader field alias", Record("R", "{'name':'b','type':'int','aliases':['a']}"), Record("R", Field("a", "'int'")), null },
        { "field renamed without alias or default", Record("R", Field("b", "'int'")), Record("R", Field("a", "'int'")), IncompatibilityType.ReaderFieldMissingDefaultValue },
        { "field alias on writer side does not count", Record("R", Field("b", "'int'")), Record("R", "{'name':'a','type':'int','aliases':['b']}"), IncompatibilityType.ReaderFieldMissingDefaultValue },
        { "record renamed without alias", Record("New", Field("a", "'int'")), Record("Old", Field("a", "'int'")), IncompatibilityType.NameMismatch },
        { "record renamed with reader alias", "{'type':'record','name':'New','aliases':['Old'],'fields':[{'name':'a','type':'int'}]}", Record("Old", Field("a", "'int'")), null },
        { "record renamed with alias on writer only", Record("New", Field("a", "'int'")), "{'type':'record','name':'Old','aliases':['New'],'fields':[{'name':'a','type':'int'}]}", IncompatibilityType.NameMismatch },
        { "record alias qualified by reader namespace", "{'type':'record','name':'New','namespace':'n','aliases':['Old'],'fields':[]}", "{'type':'record','name':'Old','namespace':'n','fields':[]}", null },
        { "record alias names another namespace", "{'type':'record','name':'New','namespace':'n2','aliases':['n1.Old'],'fields':[]}", "{'type':'record','name':'Old','namespace':'n1','fields':[]}", null },
        { "record alias in the wrong namespace", "{'type':'record','name':'New','namespace':'n2','aliases':['Old'],'fields':[]}", "{'type':'record','name':'Old','namespace':'n1','fields':[]}", IncompatibilityType.NameMismatch },
        { "record moved to another namespace matches on unqualified name", "{'type':'record','name':'R','namespace':'n2','fields':[]}", "{'type':'record','name':'R','namespace':'n1','fields':[]}", null },
        { "nested record gains field with default", Record("Outer", Field("inner", Record("Inner", Field("a", "'int'"), Field("b", "'int'", "0")))), Record("Outer", Field("inner", Record("Inner", Field("a", "'int'")))), null },
        { "nested record gains field without default", Record("Outer", Field("inner", Record("Inner", Field("a", "'int'"), Field("b", "'int'")))), Record("Outer", Field("inner", Record("Inner", Field("a", "'int'")))), IncompatibilityType.ReaderFieldMissingDefaultValue },
        { "nested record field narrowed", Record("Outer", Field("inner", Record("Inner", Field("a", "'int'")))), Record("Outer", Field("inner", Record("Inner", Field("a", "'long'")))), IncompatibilityType.TypeMismatch },
        { "nested record renamed with reader alias", Record("Outer", Field("inner", "{'type':'record','name':'Inner2','aliases':['Inner'],'fields':[{'name':'a','type':'int'}]}")), Record("Outer", Field("inner", Record("Inner", Field("a", "'int'")))), null },
        { "nested record inherits namespace for its alias", "{'type':'record','name':'Outer','namespace':'n','fields':[{'name':'i','type':{'type':'record','name':'New','aliases':['Old'],'fields':[]}}]}", "{'type':'record','name':'Outer','namespace':'n','fields':[{'name':'i','type':{'type':'record','name':'Old','fields':[]}}]}", null },
        { "nested record renamed", Record("Outer", Field("inner", Record("Inner2", Field("a", "'int'")))), Record("Outer", Field("inner", Record("Inner", Field("a", "'int'")))), IncompatibilityType.NameMismatch },
        { "error type reads error type", "{'type':'error','name':'Failure','fields':[{'name':'m','type':'string'}]}", "{'type':'error','name':'Failure','fields':[{'name':'m','type':'string'}]}", null },

        // Enums: names match; writer symbols the reader lacks need a reader default.
        { "enum reader adds symbol", "{'type':'enum','name':'E','symbols':['A','B','C']}", "{'type':'enum','name':'E','symbols':['A','B']}", null },
        { "enum writer has symbol reader lacks", "{'type':'enum','name':'E','symbols':['A']}", "{'type':'enum','name':'E','symbols':['A','B']}", IncompatibilityType.MissingEnumSymbols },
        { "enum writer has symbol reader lacks, reader default", "{'type':'enum','name':'E','symbols':['A','UNKNOWN'],'default':'UNKNOWN'}", "{'type':'enum','name':'E','symbols':['A','B']}", null },
        { "enum symbol order does not matter", "{'type':'enum','name':'E','symbols':['B','A']}", "{'type':'enum','name':'E','symbols':['A','B']}", null },
        { "enum renamed without alias", "{'type':'enum','name':'E2','symbols':['A']}", "{'type':'enum','name':'E','symbols':['A']}", IncompatibilityType.NameMismatch },
        { "enum renamed with reader alias", "{'type':'enum','name':'E2','aliases':['E'],'symbols':['A']}", "{'type':'enum','name':'E','symbols':['A']}", null },

        // Fixed: names and sizes match.
        { "fixed identical", "{'type':'fixed','name':'F','size':16}", "{'type':'fixed','name':'F','size':16}", null },
        { "fixed size changed", "{'type':'fixed','name':'F','size':16}", "{'type':'fixed','name':'F','size':8}", IncompatibilityType.FixedSizeMismatch },
        { "fixed renamed without alias", "{'type':'fixed','name':'G','size':16}", "{'type':'fixed','name':'F','size':16}", IncompatibilityType.NameMismatch },
        { "fixed renamed with reader alias", "{'type':'fixed','name':'G','aliases':['F'],'size':16}", "{'type':'fixed','name':'F','size':16}", null },
        { "fixed does not read bytes", "{'type':'fixed','name':'F','size':16}", "'bytes'", IncompatibilityType.TypeMismatch },

        // Arrays resolve their items, maps their values.
        { "array items promoted", "{'type':'array','items':'long'}", "{'type':'array','items':'int'}", null },
        { "array items narrowed", "{'type':'array','items':'int'}", "{'type':'array','items':'long'}", IncompatibilityType.TypeMismatch },
        { "array of records gains field without default", "{'type':'array','items':" + Record("R", Field("a", "'int'"), Field("b", "'int'")) + "}", "{'type':'array','items':" + Record("R", Field("a", "'int'")) + "}", IncompatibilityType.ReaderFieldMissingDefaultValue },
        { "map values promoted", "{'type':'map','values':'double'}", "{'type':'map','values':'float'}", null },
        { "map values changed", "{'type':'map','values':'int'}", "{'type':'map','values':'string'}", IncompatibilityType.TypeMismatch },
        { "map of enums loses symbol", "{'type':'map','values':{'type':'enum','name':'E','symbols':['A']}}", "{'type':'map','values':{'type':'enum','name':'E','symbols':['A','B']}}", IncompatibilityType.MissingEnumSymbols },

        // Unions, both sides: every writer branch must resolve to some reader branch.
        { "union reader adds branch", "['null','string','int']", "['null','string']", null },
        { "union reader removes branch", "['null','string']", "['null','string','int']", IncompatibilityType.MissingUnionBranch },
        { "union branch order changed", "['string','null']", "['null','string']", null },
        { "union branch promoted", "['null','long']", "['null','int']", null },
        { "union branch narrowed", "['null','int']", "['null','long']", IncompatibilityType.MissingUnionBranch },
        { "union of record whose field lost its default", "['null'," + Record("R", Field("a", "'int'"), Field("b", "'int'")) + "]", "['null'," + Record("R", Field("a", "'int'")) + "]", IncompatibilityType.ReaderFieldMissingDefaultValue },

        // Unions, writer only: every writer branch must resolve against the reader.
        { "writer union all branches readable", "'double'", "['int','long','float']", null },
        { "writer union with one branch", "'string'", "['string']", null },
        { "writer union adds null branch", "'string'", "['null','string']", IncompatibilityType.MissingUnionBranch },

        // Unions, reader only: the writer must resolve to some reader branch.
        { "reader union contains writer type", "['null','string']", "'string'", null },
        { "reader union promotes writer type", "['null','long']", "'int'", null },
        { "reader union picks a later branch", "['boolean','double']", "'float'", null },
        { "reader union lacks writer type", "['null','string']", "'boolean'", IncompatibilityType.MissingUnionBranch },
        { "reader union contains record renamed with alias", "['null',{'type':'record','name':'New','aliases':['Old'],'fields':[{'name':'a','type':'int'}]}]", Record("Old", Field("a", "'int'")), null },
        { "array of enums renamed with alias", "{'type':'array','items':{'type':'enum','name':'E2','aliases':['E'],'symbols':['A']}}", "{'type':'array','items':{'type':'enum','name':'E','symbols':['A']}}", null },
        { "reader union contains renamed record", "['null'," + Record("New", Field("a", "'int'")) + "]", Record("Old", Field("a", "'int'")), IncompatibilityType.MissingUnionBranch },

        // Logical types: only the underlying type matters, except decimal precision and scale.
        { "date reads int", "{'type':'int','logicalType':'date'}", "'int'", null },
        { "int reads date", "'int'", "{'type':'int','logicalType':'date'}", null },
        { "timestamp-millis reads timestamp-micros", "{'type':'long','logicalType':'timestamp-millis'}", "{'type':'long','logicalType':'timestamp-micros'}", null },
        { "uuid reads string", "{'type':'string','logicalType':'uuid'}", "'string'", null },
        { "time-millis promotes to long", "'long'", "{'type':'int','logicalType':'time-millis'}", null },
        { "unknown logical type is ignored", "{'type':'string','logicalType':'x-custom'}", "'string'", null },
        { "logical type on both sides over different primitives", "{'type':'long','logicalType':'timestamp-millis'}", "{'type':'int','logicalType':'date'}", null },
        { "date does not read long", "{'type':'int','logicalType':'date'}", "'long'", IncompatibilityType.TypeMismatch },
        { "decimal identical", "{'type':'bytes','logicalType':'decimal','precision':9,'scale':2}", "{'type':'bytes','logicalType':'decimal','precision':9,'scale':2}", null },
        { "decimal scale changed", "{'type':'bytes','logicalType':'decimal','precision':9,'scale':3}", "{'type':'bytes','logicalType':'decimal','precision':9,'scale':2}", IncompatibilityType.DecimalPrecisionScaleMismatch },
        { "decimal precision changed", "{'type':'bytes','logicalType':'decimal','precision':12,'scale':2}", "{'type':'bytes','logicalType':'decimal','precision':9,'scale':2}", IncompatibilityType.DecimalPrecisionScaleMismatch },
        { "decimal missing scale equals scale zero", "{'type':'bytes','logicalType':'decimal','precision':9}", "{'type':'bytes','logicalType':'decimal','precision':9,'scale':0}", null },
        { "decimal reads plain bytes", "{'type':'bytes','logicalType':'decimal','precision':9,'scale':2}", "'bytes'", null },
        { "fixed decimal size changed", "{'type':'fixed','name':'D','size':8,'logicalType':'decimal','precision':9,'scale':2}", "{'type':'fixed','name':'D','size':4,'logicalType':'decimal','precision':9,'scale':2}", IncompatibilityType.FixedSizeMismatch },
        { "bytes decimal does not read fixed decimal", "{'type':'bytes','logicalType':'decimal','precision':9,'scale':2}", "{'type':'fixed','name':'D','size':8,'logicalType':'decimal','precision':9,'scale':2}", IncompatibilityType.TypeMismatch },

        // Recursive named types terminate and still find differences.
        { "recursive list identical", LinkedList("Node", ""), LinkedList("Node", ""), null },
        { "recursive list gains field with default", LinkedList("Node", ",{'name':'label','type':'string','default':''}"), LinkedList("Node", ""), null },
        { "recursive list gains field without default", LinkedList("Node", ",{'name':'label','type':'string'}"), LinkedList("Node", ""), IncompatibilityType.ReaderFieldMissingDefaultValue },
        { "mutually recursive records", TreeWithForest("long"), TreeWithForest("int"), null },
        { "mutually recursive records narrowed", TreeWithForest("int"), TreeWithForest("long"), IncompatibilityType.TypeMismatch },
    };

    [Theory]
    [MemberData(nameof(SpecificationRules))]
    public void CanRead_SpecificationRule_ReturnsExpectedVerdict(
        string rule,
        string readerJson,
        string writerJson,
        IncompatibilityType? expected)
    {
        var result = AvroSchemaResolution.CanRead(Parse(readerJson), Parse(writerJson));

        if (expected is null)
        {
            Assert.True(result.IsCompatible, $"{rule}: {string.Join("; ", result.Incompatibilities)}");
            Assert.Empty(result.Incompatibilities);
        }
        else
        {
            Assert.False(result.IsCompatible, rule);
            Assert.Contains(result.Incompatibilities, i => i.Type == expected);
        }
    }

    [Theory]
    [MemberData(nameof(Primitives))]
    public void CanRead_SamePrimitive_IsCompatible(string primitive)
    {
        var schema = Parse($"'{primitive}'");

        var result = AvroSchemaResolution.CanRead(schema, Parse($"{{'type':'{primitive}'}}"));

        Assert.True(result.IsCompatible);
    }

    [Fact]
    public void CanRead_PrimitivePairs_AllowOnlyTheSpecifiedPromotions()
    {
        // Exhaustive over the 8x8 primitive pairs, so no promotion outside the specification's list slips in.
        var allowed = new HashSet<(string Writer, string Reader)>
        {
            ("int", "long"), ("int", "float"), ("int", "double"), ("long", "float"), ("long", "double"),
            ("float", "double"), ("string", "bytes"), ("bytes", "string"),
        };

        foreach (var writer in _primitives)
        {
            foreach (var reader in _primitives)
            {
                var result = AvroSchemaResolution.CanRead(Parse($"'{reader}'"), Parse($"'{writer}'"));

                var expected = writer == reader || allowed.Contains((writer, reader));
                Assert.True(expected == result.IsCompatible, $"writer {writer}, reader {reader}");
            }
        }
    }

    [Fact]
    public void CanRead_ReaderFieldMissingWithoutDefault_ReportsFieldPathAndName()
    {
        var reader = Parse(Record("Reading", Field("id", "'string'"), Field("value", "'double'"), Field("unit", "'string'")));
        var writer = Parse(Record("Reading", Field("id", "'string'"), Field("value", "'double'")));

        var result = AvroSchemaResolution.CanRead(reader, writer);

        var incompatibility = Assert.Single(result.Incompatibilities);
        Assert.Equal(IncompatibilityType.ReaderFieldMissingDefaultValue, incompatibility.Type);
        Assert.Equal("/fields/2", incompatibility.Location);
        Assert.Equal("reader field 'unit' has no default and is missing from the writer", incompatibility.Message);
        Assert.Equal(
            "READER_FIELD_MISSING_DEFAULT_VALUE /fields/2: reader field 'unit' has no default and is missing from the writer",
            incompatibility.ToString());
    }

    [Fact]
    public void CanRead_SeveralProblems_ListsEveryOneWithItsLocation()
    {
        var reader = Parse(Record(
            "R",
            Field("a", "'int'"),
            Field("b", "{'type':'array','items':'int'}"),
            Field("c", "{'type':'enum','name':'E','symbols':['X']}"),
            Field("d", "'string'")));
        var writer = Parse(Record(
            "R",
            Field("a", "'long'"),
            Field("b", "{'type':'array','items':'string'}"),
            Field("c", "{'type':'enum','name':'E','symbols':['X','Y','Z']}")));

        var result = AvroSchemaResolution.CanRead(reader, writer);

        Assert.Equal(
            [
                (IncompatibilityType.TypeMismatch, "/fields/0/type"),
                (IncompatibilityType.TypeMismatch, "/fields/1/type/items"),
                (IncompatibilityType.MissingEnumSymbols, "/fields/2/type/symbols"),
                (IncompatibilityType.ReaderFieldMissingDefaultValue, "/fields/3"),
            ],
            result.Incompatibilities.Select(i => (i.Type, i.Location)));
        Assert.Contains("[Y, Z]", result.Incompatibilities[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CanRead_NestedRecordFieldMissing_LocatesFieldInsideNestedRecord()
    {
        var reader = Parse(Record("Outer", Field("id", "'int'"), Field("inner", Record("Inner", Field("a", "'int'"), Field("b", "'int'")))));
        var writer = Parse(Record("Outer", Field("id", "'int'"), Field("inner", Record("Inner", Field("a", "'int'")))));

        var result = AvroSchemaResolution.CanRead(reader, writer);

        var incompatibility = Assert.Single(result.Incompatibilities);
        Assert.Equal("/fields/1/type/fields/1", incompatibility.Location);
    }

    [Fact]
    public void CanRead_WriterUnionBranchUnreadable_NamesBranchIndex()
    {
        var reader = Parse(Record("R", Field("v", "'string'")));
        var writer = Parse(Record("R", Field("v", "['string','null','int']")));

        var result = AvroSchemaResolution.CanRead(reader, writer);

        Assert.All(result.Incompatibilities, i => Assert.Equal(IncompatibilityType.MissingUnionBranch, i.Type));
        Assert.Equal(["/fields/0/type/1", "/fields/0/type/2"], result.Incompatibilities.Select(i => i.Location));
    }

    [Fact]
    public void CanRead_OptionalRecordGainsFieldWithoutDefault_ReportsUnionBranchAndReason()
    {
        var reader = Parse(Record("Outer", Field("o", "['null'," + Record("R", Field("a", "'int'"), Field("b", "'int'")) + "]", "null")));
        var writer = Parse(Record("Outer", Field("o", "['null'," + Record("R", Field("a", "'int'")) + "]", "null")));

        var result = AvroSchemaResolution.CanRead(reader, writer);

        Assert.Equal(
            [
                (IncompatibilityType.MissingUnionBranch, "/fields/0/type/1"),
                (IncompatibilityType.ReaderFieldMissingDefaultValue, "/fields/0/type/1/fields/1"),
            ],
            result.Incompatibilities.Select(i => (i.Type, i.Location)));
    }

    [Fact]
    public void CanRead_FixedSizeChanged_ReportsBothSizes()
    {
        var result = AvroSchemaResolution.CanRead(
            Parse("{'type':'fixed','name':'md5','size':16}"),
            Parse("{'type':'fixed','name':'md5','size':20}"));

        var incompatibility = Assert.Single(result.Incompatibilities);
        Assert.Equal("/size", incompatibility.Location);
        Assert.Contains("16", incompatibility.Message, StringComparison.Ordinal);
        Assert.Contains("20", incompatibility.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CanRead_RecordRenamed_ReportsNameMismatchAndStillChecksFields()
    {
        var result = AvroSchemaResolution.CanRead(
            Parse(Record("New", Field("a", "'int'"))),
            Parse(Record("Old", Field("a", "'string'"))));

        Assert.Equal(
            [(IncompatibilityType.NameMismatch, "/name"), (IncompatibilityType.TypeMismatch, "/fields/0/type")],
            result.Incompatibilities.Select(i => (i.Type, i.Location)));
    }

    [Fact]
    public void CanRead_RecursiveSchemaDifference_ReportedOnceAtFirstOccurrence()
    {
        var result = AvroSchemaResolution.CanRead(
            Parse(LinkedList("Node", ",{'name':'label','type':'string'}")),
            Parse(LinkedList("Node", "")));

        var incompatibility = Assert.Single(result.Incompatibilities);
        Assert.Equal("/fields/2", incompatibility.Location);
    }

    [Fact]
    public void IncompatibilityTypes_ToRegistryName_UseConfluentErrorTypes()
    {
        Assert.Equal(
            [
                "NAME_MISMATCH", "FIXED_SIZE_MISMATCH", "MISSING_ENUM_SYMBOLS", "READER_FIELD_MISSING_DEFAULT_VALUE",
                "TYPE_MISMATCH", "MISSING_UNION_BRANCH", "DECIMAL_PRECISION_SCALE_MISMATCH",
            ],
            Enum.GetValues<IncompatibilityType>().Select(t => t.ToRegistryName()));
    }

    // A singly linked list: {value, next: null | Node} plus whatever extra fields the case adds.
    private static string LinkedList(string name, string extraFields) =>
        $"{{'type':'record','name':'{name}','fields':[{{'name':'value','type':'int'}},{{'name':'next','type':['null','{name}'],'default':null}}{extraFields}]}}";

    // Tree -> array of Forest -> Tree: recursion through two named types and an array.
    private static string TreeWithForest(string valueType) =>
        $"{{'type':'record','name':'Tree','fields':[{{'name':'value','type':'{valueType}'}},"
        + "{'name':'children','type':{'type':'record','name':'Forest','fields':[{'name':'trees','type':{'type':'array','items':'Tree'}}]}}]}";
}

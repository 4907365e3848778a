using KafkaGateway.Schemas.Compatibility;
using static KafkaGateway.Tests.Schemas.Compatibility.AvroSchemaText;

namespace KafkaGateway.Tests.Schemas.Compatibility;

public sealed class AvroSchemaCanonicalizerTests
{
    /// <summary>Pairs of schema texts that must be the same registration.</summary>
    public static TheoryData<string, string, string> SameSchemas() => new()
    {
        { "primitive as object or name", "{'type':'string'}", "'string'" },
        {
            "whitespace and attribute order",
            "{'type':'record','name':'R','fields':[{'name':'a','type':'int','default':1}]}",
            "{ 'fields' : [ { 'default' : 1, 'type' : 'int', 'name' : 'a' } ],\n  'name' : 'R',\n  'type' : 'record' }"
        },
        {
            "full name or name plus namespace",
            "{'type':'record','name':'a.b.R','fields':[]}",
            "{'type':'record','name':'R','namespace':'a.b','fields':[]}"
        },
        {
            "custom attribute order",
            "{'type':'string','x-owner':'team','x-pii':true}",
            "{'x-pii':true,'type':'string','x-owner':'team'}"
        },
        {
            "record default key order",
            "{'type':'record','name':'R','fields':[{'name':'p','default':{'x':1,'y':2},'type':{'type':'record','name':'P','fields':[{'name':'x','type':'int'},{'name':'y','type':'int'}]}}]}",
            "{'type':'record','name':'R','fields':[{'name':'p','default':{'y':2,'x':1},'type':{'type':'record','name':'P','fields':[{'name':'x','type':'int'},{'name':'y','type':'int'}]}}]}"
        },
        {
            "explicit ascending field order",
            Record("R", "{'name':'a','type':'int'}"),
            Record("R", "{'name':'a','type':'int','order':'ascending'}")
        },
    };

    /// <summary>Pairs of schema texts that must stay different registrations.</summary>
    public static TheoryData<string, string, string> DifferentSchemas() => new()
    {
        { "different default", Record("R", Field("a", "'int'", "1")), Record("R", Field("a", "'int'", "2")) },
        { "default added", Record("R", Field("a", "'int'")), Record("R", Field("a", "'int'", "1")) },
        {
            "different doc",
            "{'type':'record','name':'R','doc':'one','fields':[]}",
            "{'type':'record','name':'R','doc':'two','fields':[]}"
        },
        {
            "alias added",
            "{'type':'record','name':'R','fields':[]}",
            "{'type':'record','name':'R','aliases':['Old'],'fields':[]}"
        },
        {
            "field alias added",
            Record("R", "{'name':'a','type':'int'}"),
            Record("R", "{'name':'a','type':'int','aliases':['b']}")
        },
        { "logical type added", "'int'", "{'type':'int','logicalType':'date'}" },
        {
            "decimal scale",
            "{'type':'bytes','logicalType':'decimal','precision':9,'scale':2}",
            "{'type':'bytes','logicalType':'decimal','precision':9,'scale':3}"
        },
        {
            "field sort order",
            Record("R", "{'name':'a','type':'int'}"),
            Record("R", "{'name':'a','type':'int','order':'descending'}")
        },
        {
            "sort order of a field nested in a union and an array",
            Record("R", Field("l", "['null',{'type':'array','items':" + Record("I", "{'name':'a','type':'int'}") + "}]")),
            Record("R", Field("l", "['null',{'type':'array','items':" + Record("I", "{'name':'a','type':'int','order':'ignore'}") + "}]"))
        },
        {
            "field sort order ignore",
            Record("R", "{'name':'a','type':'int'}"),
            Record("R", "{'name':'a','type':'int','order':'ignore'}")
        },
        { "field order", Record("R", Field("a", "'int'"), Field("b", "'int'")), Record("R", Field("b", "'int'"), Field("a", "'int'")) },
        { "enum symbol order", "{'type':'enum','name':'E','symbols':['A','B']}", "{'type':'enum','name':'E','symbols':['B','A']}" },
        { "union branch order", "['null','string']", "['string','null']" },
        { "namespace", "{'type':'record','name':'a.R','fields':[]}", "{'type':'record','name':'b.R','fields':[]}" },
    };

    [Theory]
    [MemberData(nameof(SameSchemas))]
    public void AreSameSchema_EquivalentText_ReturnsTrue(string variation, string left, string right)
    {
        Assert.True(AvroSchemaCanonicalizer.AreSameSchema(Json(left), Json(right)), variation);
    }

    [Theory]
    [MemberData(nameof(DifferentSchemas))]
    public void AreSameSchema_MeaningfulDifference_ReturnsFalse(string difference, string left, string right)
    {
        Assert.False(AvroSchemaCanonicalizer.AreSameSchema(Json(left), Json(right)), difference);
    }

    [Fact]
    public void Canonicalize_Primitive_IsCompactJsonObject()
    {
        Assert.Equal("{\"type\":\"string\"}", AvroSchemaCanonicalizer.Canonicalize("  \"string\" "));
    }

    [Fact]
    public void Canonicalize_CanonicalText_IsAFixedPoint()
    {
        var once = AvroSchemaCanonicalizer.Canonicalize(Json(
            "{'type':'record','name':'R','namespace':'n','doc':'d','aliases':['Q'],'fields':[{'name':'a','type':['null','string'],'default':null,'doc':'fd'}]}"));

        Assert.Equal(once, AvroSchemaCanonicalizer.Canonicalize(once));
    }

    [Fact]
    public void Canonicalize_DescendingField_KeepsOrderAttribute()
    {
        var canonical = AvroSchemaCanonicalizer.Canonicalize(Json(Record("R", "{'name':'a','type':'int','order':'descending'}")));

        Assert.Equal(Json("{'fields':[{'name':'a','order':'descending','type':'int'}],'name':'R','type':'record'}"), canonical);
    }

    [Fact]
    public void Canonicalize_InvalidSchema_Throws()
    {
        Assert.Throws<Avro.SchemaParseException>(() => AvroSchemaCanonicalizer.Canonicalize("{\"type\":\"nope\"}"));
    }
}

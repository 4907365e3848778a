using Avro;

namespace KafkaGateway.Tests.Schemas.Compatibility;

/// <summary>Builds Avro schemas from JSON written with single quotes, so test tables stay readable.</summary>
internal static class AvroSchemaText
{
    public static Schema Parse(string singleQuotedJson) => Schema.Parse(Json(singleQuotedJson));

    public static string Json(string singleQuotedJson) => singleQuotedJson.Replace('\'', '"');

    public static string Record(string name, params string[] fields) =>
        $"{{'type':'record','name':'{name}','fields':[{string.Join(',', fields)}]}}";

    public static string Field(string name, string type) => $"{{'name':'{name}','type':{type}}}";

    public static string Field(string name, string type, string defaultJson) =>
        $"{{'name':'{name}','type':{type},'default':{defaultJson}}}";
}

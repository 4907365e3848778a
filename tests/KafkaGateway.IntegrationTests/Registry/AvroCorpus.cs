namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>One schema of the corpus: a value as the gateway takes it, and the natural JSON the gateway gives back.</summary>
/// <param name="Name">Test display name.</param>
/// <param name="Schema">The Avro schema.</param>
/// <param name="Input">A value as posted to the gateway (ISO texts allowed where the codec takes them).</param>
/// <param name="Expected">The value as the gateway streams it: unions unwrapped, decimals as strings, temporal types as stored numbers.</param>
public sealed record AvroCorpusCase(string Name, string Schema, string Input, string Expected);

/// <summary>
/// The schemas Confluent's AvroSerializer/AvroDeserializer judge the gateway's codec on: the sensor schema, a 20-field
/// record, unions, nested and recursive records, arrays and maps, enum and fixed, decimal on bytes and on fixed, uuid
/// and the date/time/timestamp/local-timestamp logical types.
/// </summary>
internal static class AvroCorpus
{
    public static readonly AvroCorpusCase[] Cases =
    [
        Same("sensor", RegistryTestHost.Sensor, """{"timestamp":1732270000000,"id":"s-1","value":21.5}"""),
        Same("twenty-fields",
            """
            {"type":"record","name":"Wide","namespace":"corpus","fields":[
              {"name":"f01","type":"int"},{"name":"f02","type":"long"},{"name":"f03","type":"float"},{"name":"f04","type":"double"},
              {"name":"f05","type":"boolean"},{"name":"f06","type":"string"},{"name":"f07","type":"bytes"},
              {"name":"f08","type":["null","string"]},{"name":"f09","type":["null","int"]},{"name":"f10","type":"int"},
              {"name":"f11","type":"long"},{"name":"f12","type":"string"},{"name":"f13","type":"double"},{"name":"f14","type":"boolean"},
              {"name":"f15","type":"string"},{"name":"f16","type":"long"},{"name":"f17","type":"int"},{"name":"f18","type":"float"},
              {"name":"f19","type":"string"},{"name":"f20","type":"bytes"}]}
            """,
            """
            {"f01":-1,"f02":9007199254740993,"f03":1.25,"f04":-0.5,"f05":true,"f06":"äöü €","f07":"AAEC/w==","f08":"x","f09":null,
             "f10":2147483647,"f11":-9223372036854775808,"f12":"","f13":1e-10,"f14":false,"f15":"line\nbreak","f16":0,"f17":-2147483648,
             "f18":-3.5,"f19":"\"quoted\"","f20":""}
            """),
        Same("unions",
            """
            {"type":"record","name":"Unions","namespace":"corpus","fields":[
              {"name":"a","type":["null","string"]},{"name":"b","type":["null","string"],"default":null},
              {"name":"c","type":["string","long"]},
              {"name":"d","type":["null",{"type":"record","name":"Inner","fields":[{"name":"n","type":"int"}]}]},
              {"name":"e","type":["null","double","string"]},{"name":"f","type":["null","Inner"]}]}
            """,
            """{"a":"x","b":null,"c":42,"d":{"n":7},"e":2.5,"f":null}"""),
        Same("nested",
            """
            {"type":"record","name":"Order","namespace":"corpus","fields":[{"name":"id","type":"string"},
              {"name":"customer","type":{"type":"record","name":"Customer","fields":[{"name":"name","type":"string"},
                {"name":"address","type":{"type":"record","name":"Address","namespace":"corpus.geo","fields":[{"name":"street","type":"string"},{"name":"zip","type":"int"}]}}]}},
              {"name":"shipTo","type":"corpus.geo.Address"}]}
            """,
            """{"id":"o-1","customer":{"name":"Ada","address":{"street":"Main 1","zip":8000}},"shipTo":{"street":"Dock 2","zip":8001}}"""),
        Same("recursive",
            """
            {"type":"record","name":"Tree","namespace":"corpus","fields":[{"name":"value","type":"int"},
              {"name":"children","type":{"type":"array","items":"Tree"}},{"name":"next","type":["null","Tree"],"default":null}]}
            """,
            """{"value":1,"children":[{"value":2,"children":[],"next":null},{"value":3,"children":[{"value":4,"children":[],"next":null}],"next":null}],"next":{"value":5,"children":[],"next":null}}"""),
        Same("arrays-and-maps",
            """
            {"type":"record","name":"Collections","namespace":"corpus","fields":[
              {"name":"tags","type":{"type":"array","items":"string"}},{"name":"counts","type":{"type":"map","values":"long"}},
              {"name":"matrix","type":{"type":"array","items":{"type":"array","items":"int"}}},
              {"name":"groups","type":{"type":"map","values":{"type":"array","items":"string"}}},{"name":"empty","type":{"type":"array","items":"double"}}]}
            """,
            """{"tags":["a","b"],"counts":{"x":1,"y":-2},"matrix":[[1,2],[],[3]],"groups":{"g":["p","q"],"h":[]},"empty":[]}"""),
        Same("enum-and-fixed",
            """
            {"type":"record","name":"Tagged","namespace":"corpus","fields":[
              {"name":"color","type":{"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]}},
              {"name":"md5","type":{"type":"fixed","name":"Md5","size":16}},{"name":"maybe","type":["null","Color"]}]}
            """,
            """{"color":"GREEN","md5":"AAECAwQFBgcICQoLDA0ODw==","maybe":"BLUE"}"""),
        new("decimals",
            """
            {"type":"record","name":"Money","namespace":"corpus","fields":[
              {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
              {"name":"amount","type":{"type":"fixed","name":"Amount","size":8,"logicalType":"decimal","precision":18,"scale":4}},
              {"name":"whole","type":{"type":"bytes","logicalType":"decimal","precision":5,"scale":0}},
              {"name":"negative","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":3}}]}
            """,
            """{"price":"12.3","amount":-1234.5678,"whole":"42","negative":"-0.001"}""",
            """{"price":"12.30","amount":"-1234.5678","whole":"42","negative":"-0.001"}"""),
        new("uuid-and-temporal",
            """
            {"type":"record","name":"Times","namespace":"corpus","fields":[
              {"name":"id","type":{"type":"string","logicalType":"uuid"}},
              {"name":"day","type":{"type":"int","logicalType":"date"}},
              {"name":"tm","type":{"type":"int","logicalType":"time-millis"}},
              {"name":"tu","type":{"type":"long","logicalType":"time-micros"}},
              {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
              {"name":"tsu","type":{"type":"long","logicalType":"timestamp-micros"}},
              {"name":"lts","type":{"type":"long","logicalType":"local-timestamp-millis"}},
              {"name":"ltsu","type":{"type":"long","logicalType":"local-timestamp-micros"}}]}
            """,
            """
            {"id":"7b6f1c2e-9a4d-4f3e-8c1b-2d5e6f708192","day":"2024-11-22","tm":"13:45:30.250","tu":"13:45:30.250125",
             "ts":"2024-11-22T10:00:00.123Z","tsu":"2024-11-22T10:00:00.123456Z","lts":"2024-11-22T10:00:00.123","ltsu":"2024-11-22T10:00:00.123456"}
            """,
            """
            {"id":"7b6f1c2e-9a4d-4f3e-8c1b-2d5e6f708192","day":20049,"tm":49530250,"tu":49530250125,
             "ts":1732269600123,"tsu":1732269600123456,"lts":1732269600123,"ltsu":1732269600123456}
            """),
    ];

    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (var c in Cases)
        {
            names.Add(c.Name);
        }

        return names;
    }

    public static AvroCorpusCase Get(string name) => Cases.Single(c => c.Name == name);

    private static AvroCorpusCase Same(string name, string schema, string value) => new(name, schema, value, value);
}

using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using KafkaGateway.Schemas;

namespace KafkaGateway.Bench.Suites;

/// <summary>
/// JSON to Avro and Avro to JSON with the gateway's codec, for the 3-field sensor record and a 20-field record.
/// Public and unsealed because BenchmarkDotNet generates code around the class.
/// </summary>
[MemoryDiagnoser]
public class SerializationBenchmarks : IDisposable
{
    public const string WideSchema = """
        {"type":"record","name":"reading","namespace":"bench","fields":[
          {"name":"id","type":"string"},
          {"name":"seq","type":"long"},
          {"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},
          {"name":"site","type":"string"},
          {"name":"device","type":"string"},
          {"name":"temperature","type":"double"},
          {"name":"humidity","type":"double"},
          {"name":"pressure","type":"double"},
          {"name":"voltage","type":"float"},
          {"name":"current","type":"float"},
          {"name":"rssi","type":"int"},
          {"name":"battery","type":"int"},
          {"name":"firmware","type":"int"},
          {"name":"online","type":"boolean"},
          {"name":"calibrated","type":"boolean"},
          {"name":"status","type":{"type":"enum","name":"status","symbols":["OK","WARN","FAIL"]}},
          {"name":"note","type":["null","string"],"default":null},
          {"name":"samples","type":{"type":"array","items":"double"}},
          {"name":"tags","type":{"type":"map","values":"string"}},
          {"name":"uptime","type":"long"}]}
        """;

    public const string WideJson = """
        {"id":"s-1","seq":123456,"timestamp":1732270000000,"site":"berlin-3","device":"thermo-x2","temperature":21.5,
         "humidity":40.25,"pressure":1013.2,"voltage":3.3,"current":0.12,"rssi":-67,"battery":88,"firmware":412,
         "online":true,"calibrated":false,"status":"OK","note":"window open","samples":[21.4,21.5,21.6,21.5],
         "tags":{"floor":"2","room":"lab"},"uptime":86400123}
        """;

    private readonly ArrayBufferWriter<byte> _avro = new(1024);
    private readonly ArrayBufferWriter<byte> _json = new(1024);
    private readonly List<AvroConversionError> _errors = [];
    private AvroJsonCodec _sensor = null!;
    private AvroJsonCodec _wide = null!;
    private JsonDocument _sensorJson = null!;
    private JsonDocument _wideJson = null!;
    private byte[] _sensorAvro = [];
    private byte[] _wideAvro = [];
    private Utf8JsonWriter _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _sensor = AvroJsonCodec.Create(Harness.SensorRecords.Schema);
        _wide = AvroJsonCodec.Create(WideSchema);
        _sensorJson = JsonDocument.Parse(Harness.SensorRecords.Json("s-1", 1732270000000));
        _wideJson = JsonDocument.Parse(WideJson);
        _sensorAvro = EncodeOnce(_sensor, _sensorJson.RootElement);
        _wideAvro = EncodeOnce(_wide, _wideJson.RootElement);
        _writer = new Utf8JsonWriter(_json);
    }

    [GlobalCleanup]
    public void Cleanup() => Dispose();

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sensorJson?.Dispose();
            _wideJson?.Dispose();
            _writer?.Dispose();
        }
    }

    [Benchmark(Description = "sensor JSON -> Avro")]
    public int SensorJsonToAvro() => Encode(_sensor, _sensorJson.RootElement);

    [Benchmark(Description = "sensor Avro -> JSON")]
    public long SensorAvroToJson() => Decode(_sensor, _sensorAvro);

    [Benchmark(Description = "20-field JSON -> Avro")]
    public int WideJsonToAvro() => Encode(_wide, _wideJson.RootElement);

    [Benchmark(Description = "20-field Avro -> JSON")]
    public long WideAvroToJson() => Decode(_wide, _wideAvro);

    private int Encode(AvroJsonCodec codec, JsonElement value)
    {
        _avro.ResetWrittenCount();
        _errors.Clear();
        codec.Encode(value, _avro, _errors);
        return _avro.WrittenCount;
    }

    private long Decode(AvroJsonCodec codec, byte[] avro)
    {
        _json.ResetWrittenCount();
        _writer.Reset(_json);
        codec.Decode(avro, _writer);
        _writer.Flush();
        return _writer.BytesCommitted;
    }

    private static byte[] EncodeOnce(AvroJsonCodec codec, JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var errors = new List<AvroConversionError>();
        if (!codec.Encode(value, buffer, errors))
        {
            throw new InvalidOperationException("Benchmark record does not match its schema: " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}")));
        }

        return buffer.WrittenSpan.ToArray();
    }
}

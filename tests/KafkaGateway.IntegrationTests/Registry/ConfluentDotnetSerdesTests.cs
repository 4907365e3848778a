using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Avro.Generic;
using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Confluent.SchemaRegistry.Serdes;
using KafkaGateway.IntegrationTests.Streaming;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>
/// Confluent's AvroSerializer/AvroDeserializer (Confluent.SchemaRegistry.Serdes.Avro 2.16.0) judge the gateway's own
/// JSON -> Avro codec over the schema corpus: the gateway's bytes are the bytes Confluent writes for the same values,
/// Confluent reads them back as those values, and records Confluent writes through Confluent.Kafka stream back from
/// the gateway as the expected natural JSON, with the 2.16 default subject strategy (associations lookup) and with
/// <see cref="SubjectNameStrategy.Topic"/>.
/// </summary>
public sealed class ConfluentDotnetSerdesTests(ConfluentDotnetClientFixture fixture) : IClassFixture<ConfluentDotnetClientFixture>
{
    public static TheoryData<string> Corpus => AvroCorpus.Names();

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task GatewayBytes_CorpusValue_EqualAvroSerializerBytesAndReadBackAsTheSameValues(string name)
    {
        var corpus = AvroCorpus.Get(name);
        using var registry = fixture.RegistryClient();
        var topic = fixture.Cluster.CreateTopic(partitions: 1, prefix: "serdes");
        var id = await registry.RegisterSchemaAsync($"{topic}-value", new Schema(corpus.Schema, SchemaType.Avro));
        var context = new SerializationContext(MessageComponentType.Value, topic);

        var gatewayBytes = await ProduceThroughGatewayAsync(topic, corpus.Input);
        var deserializer = new AvroDeserializer<GenericRecord>(registry);
        var read = await deserializer.DeserializeAsync(gatewayBytes, isNull: false, context);
        var serializer = new AvroSerializer<GenericRecord>(registry, new AvroSerializerConfig { SubjectNameStrategy = SubjectNameStrategy.Topic });
        var confluentBytes = await serializer.SerializeAsync(read, context);

        Assert.Equal(id, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(gatewayBytes.AsSpan(1)));
        GenericAvroJson.AssertEqual(JsonNode.Parse(corpus.Expected), GenericAvroJson.ToJson(read.Schema, read));
        Assert.Equal(Convert.ToHexString(gatewayBytes), Convert.ToHexString(confluentBytes));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AvroSerializerThroughConfluentKafka_EveryCorpusSchema_StreamsBackAsNaturalJson(bool topicStrategy)
    {
        using var registry = fixture.RegistryClient();
        foreach (var corpus in AvroCorpus.Cases)
        {
            var topic = fixture.Cluster.CreateTopic(partitions: 1, prefix: "serdes");
            await registry.RegisterSchemaAsync($"{topic}-value", new Schema(corpus.Schema, SchemaType.Avro));
            var record = await ReadAsGenericAsync(registry, topic, corpus.Input);
            // Without a strategy set, the 2.16 serializer asks GET /associations/... first (the topic has none: [])
            // and falls back to {topic}-value.
            var config = topicStrategy ? new AvroSerializerConfig { SubjectNameStrategy = SubjectNameStrategy.Topic } : new AvroSerializerConfig();

            await ProduceThroughConfluentAsync(registry, config, topic, record);
            var streamed = await StreamOneAsync(topic);

            GenericAvroJson.AssertEqual(JsonNode.Parse(corpus.Expected), streamed["value"], $"{corpus.Name}: $");
        }
    }

    [Fact]
    public async Task AvroSerializer_DefaultStrategyWithAssociation_UsesTheAssociatedSubject()
    {
        using var registry = fixture.RegistryClient();
        var corpus = AvroCorpus.Get("sensor");
        var topic = fixture.Cluster.CreateTopic(partitions: 1, prefix: "serdes");
        var subject = $"associated-{Guid.NewGuid():N}";
        // The associated subject starts with another (backward compatible) schema, so the serializer's registration
        // of the record's schema shows up there as version 2, and {topic}-value stays untouched.
        await registry.CreateAssociationAsync(new AssociationCreateOrUpdateRequest
        {
            ResourceName = topic,
            ResourceNamespace = "-",
            ResourceType = "topic",
            Associations = [new AssociationCreateOrUpdateInfo { Subject = subject, AssociationType = "value", Schema = new Schema(RegistryTestHost.SensorWithUnit, SchemaType.Avro) }],
        });
        var topicId = await registry.RegisterSchemaAsync($"{topic}-value", new Schema(corpus.Schema, SchemaType.Avro));
        var record = await ReadAsGenericAsync(registry, topic, corpus.Input);

        await ProduceThroughConfluentAsync(registry, new AvroSerializerConfig(), topic, record);
        var streamed = await StreamOneAsync(topic);
        var associatedVersions = await registry.GetSubjectVersionsAsync(subject);
        var topicSubjectVersions = await registry.GetSubjectVersionsAsync($"{topic}-value");

        GenericAvroJson.AssertEqual(JsonNode.Parse(corpus.Expected), streamed["value"]);
        Assert.Equal(topicId, streamed["valueSchemaId"]!.GetValue<int>());
        Assert.Equal([1, 2], associatedVersions);
        Assert.Equal([1], topicSubjectVersions);
    }

    [Fact]
    public async Task AvroSerializer_SchemaIdInHeader_GatewayDecodesByGuid()
    {
        using var registry = fixture.RegistryClient();
        var corpus = AvroCorpus.Get("decimals");
        var topic = fixture.Cluster.CreateTopic(partitions: 1, prefix: "serdes");
        var id = await registry.RegisterSchemaAsync($"{topic}-value", new Schema(corpus.Schema, SchemaType.Avro));
        var record = await ReadAsGenericAsync(registry, topic, corpus.Input);
        var config = new AvroSerializerConfig { SubjectNameStrategy = SubjectNameStrategy.Topic, SchemaIdStrategy = SchemaIdSerializerStrategy.Header };

        await ProduceThroughConfluentAsync(registry, config, topic, record);
        var raw = Harness.Harness.ConsumeAll<byte[], byte[]>(fixture.Cluster.ClientConfig(), topic, 2, lookForMore: TimeSpan.Zero)[1];
        var streamed = (await StreamAllAsync(topic, 2))[1];

        var header = raw.Message.Headers.GetLastBytes("__value_schema_id");
        Assert.Equal(1, header[0]);
        Assert.Equal(17, header.Length);
        GenericAvroJson.AssertEqual(JsonNode.Parse(corpus.Expected), streamed["value"]);
        Assert.Equal(id, streamed["valueSchemaId"]!.GetValue<int>());
    }

    /// <summary>Posts <paramref name="json"/> to the gateway and returns the record's bytes as Kafka holds them.</summary>
    private async Task<byte[]> ProduceThroughGatewayAsync(string topic, string json)
    {
        using var http = fixture.Http();
        using var response = await http.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            new StringContent($$"""{"value": {{json}}}""", Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"produce answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var consumed = Harness.Harness.ConsumeAll<byte[], byte[]>(fixture.Cluster.ClientConfig(), topic, 1, lookForMore: TimeSpan.Zero);
        return consumed[^1].Message.Value;
    }

    /// <summary>The corpus value as Confluent's AvroDeserializer reads it from the gateway's bytes (checked by the test above).</summary>
    private async Task<GenericRecord> ReadAsGenericAsync(ISchemaRegistryClient registry, string topic, string json)
    {
        var bytes = await ProduceThroughGatewayAsync(topic, json);
        return await new AvroDeserializer<GenericRecord>(registry).DeserializeAsync(bytes, isNull: false, new SerializationContext(MessageComponentType.Value, topic));
    }

    private async Task ProduceThroughConfluentAsync(ISchemaRegistryClient registry, AvroSerializerConfig config, string topic, GenericRecord record)
    {
        using var producer = new ProducerBuilder<Null, GenericRecord>(new ProducerConfig(fixture.Cluster.ClientConfig()) { Acks = Acks.All })
            .SetValueSerializer(new AvroSerializer<GenericRecord>(registry, config))
            .Build();
        var delivered = await producer.ProduceAsync(topic, new Message<Null, GenericRecord> { Value = record });
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
    }

    /// <summary>The second record of the topic (the first is the gateway's own) as the gateway streams it.</summary>
    private async Task<JsonObject> StreamOneAsync(string topic) => (await StreamAllAsync(topic, 2))[1];

    private async Task<List<JsonObject>> StreamAllAsync(string topic, int count)
    {
        using var http = fixture.Http();
        await using var stream = await OpenStream.OpenAsync(http, $"/topics/{topic}/stream?from=earliest");
        var events = await stream.ReadUntilAsync(count);
        return events.Where(e => e.EventType == "record").Select(e => JsonNode.Parse(e.Data)!.AsObject()).ToList();
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace KafkaGateway.ApiDocument;

/// <summary>
/// What "Try it out" pre-fills for one operation and what it answers: the parameter values, the body, the status this
/// gateway answers them with, and an example of that answer.
/// </summary>
/// <param name="Summary">The task, as the collapsed operation shows it (plain text).</param>
/// <param name="Parameters">Parameter name to example value; parameters not named here get no example.</param>
/// <param name="Body">The request body example, or null.</param>
/// <param name="Status">The status the example answers on a cluster that supports the operation.</param>
/// <param name="Answer">An example of that answer's body, or null (no body).</param>
/// <param name="EmbeddedLimit">When the embedded cluster cannot serve the operation: what it cannot do. The example then answers 501 there.</param>
internal sealed record ExamplePlan(
    string Summary,
    IReadOnlyDictionary<string, JsonNode?> Parameters,
    JsonNode? Body,
    int Status,
    JsonNode? Answer,
    string? EmbeddedLimit = null);

/// <summary>The example of every operation, consistent with one served document's <see cref="LiveExamples"/>.</summary>
internal static class OperationExamples
{
    /// <summary>The README's sensor schema: what the body examples of Avro topics are written for.</summary>
    public const string SensorSchema =
        """{"type":"record","name":"sensor","fields":[{"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"id","type":"string"},{"name":"value","type":"double"}]}""";

    private const string Reading = """{"id": "s-1", "timestamp": 1732270000000, "value": 21.5}""";
    private const string TraceId = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    /// <summary>The plan of <paramref name="operationId"/> (<c>Controller.Action</c> or an endpoint name), or null when it has none.</summary>
    public static ExamplePlan? For(string operationId, LiveExamples live)
    {
        var t = live.Topic;
        var s = live.Subject;
        var token = live.ResumeToken;
        var schemaBody = new JsonObject { ["schema"] = SensorSchema };
        var record = $$"""{"topic":"{{t}}","partition":0,"offset":0,"timestamp":1767225600000,"key":"s-1","headers":{},"value":{{Reading}},"valueSchemaId":{{live.SchemaId}}}""";
        var version = $$"""{"subject":"{{s}}","version":1,"id":{{live.SchemaId}},"schema":{{JsonSerializer.Serialize(SensorSchema)}}}""";
        return operationId switch
        {
            // Topics: the user's tasks first.
            "Topics.ListTopics" => Plan("List topics", P(), null, 200,
                $$"""[{"name":"{{t}}","partitions":{{live.Partitions}},"replicationFactor":3,"internal":false}]"""),
            "Topics.DescribeTopic" => Plan("Describe a topic: partitions, offsets, message count, schemas", P(("topic", t)), null, 200,
                $$"""{"name":"{{t}}","internal":false,"replicationFactor":3,"messageCount":1,"partitions":[{"partition":0,"leader":1,"replicas":[1,2,3],"isr":[1,2,3],"lowWatermark":0,"highWatermark":1,"messageCount":1}]}"""),
            "TopicStream.Records" => Plan("Browse a topic's records, page by page", P(("topic", t), ("limit", 20)), null, 200,
                $$"""{"records":[{{record}}],"next":"{{token}}","end":true}"""),
            "TopicStream.Stream" => Plan("Stream a topic's records (server-sent events; until=end stops when caught up)",
                P(("topic", t), ("from", "earliest"), ("until", "end")), null, 200, null),
            "Produce.Produce" => Plan("Produce records (JSON, validated against the topic's schema)", P(("topic", t)),
                J($$"""{"records": [{"key": "s-1", "value": {{Reading}}}]}"""), 200,
                $$"""{"topic":"{{t}}","valueSchemaId":{{live.SchemaId}},"valueSchemaVersion":1,"records":[{"partition":0,"offset":0,"timestamp":1767225600000}]}"""),
            "Values.ProduceValues" => Plan("Produce bare values (one JSON value, an array, or NDJSON lines)", P(("topic", t), ("keyField", "id")),
                J(Reading), 200,
                $$"""{"topic":"{{t}}","valueSchemaId":{{live.SchemaId}},"valueSchemaVersion":1,"received":1,"persisted":1,"failed":0,"records":[{"partition":0,"offset":0,"timestamp":1732270000000}]}"""),
            "Topics.CreateTopic" => Plan("Create a topic", P(), J($$"""{"name": "{{live.NewTopicName}}", "partitions": 3, "replicationFactor": -1}"""), 201,
                $$"""{"name":"{{live.NewTopicName}}","partitions":3,"replicationFactor":-1,"configs":{},"warnings":[]}"""),
            "Topics.GetTopicConfigs" => Plan("Get a topic's configs", P(("topic", t)), null, 200,
                $$"""{"resource":"{{t}}","configs":[{"name":"retention.ms","value":"604800000","source":"DEFAULT_CONFIG","isDefault":true,"isReadOnly":false,"isSensitive":false}]}""",
                "topic configs"),
            "Topics.AlterTopicConfigs" => Plan("Change a topic's configs", P(("topic", t)), J("""{"set": {"retention.ms": "604800000"}, "delete": []}"""), 200,
                $$"""{"resource":"{{t}}","configs":[{"name":"retention.ms","value":"604800000","source":"DYNAMIC_TOPIC_CONFIG","isDefault":false,"isReadOnly":false,"isSensitive":false}]}""",
                "changing topic configs"),
            "Topics.CreatePartitions" => Plan("Add partitions to a topic", P(("topic", t)),
                J($$"""{"count": {{live.Topics.Select(o => o.Partitions).DefaultIfEmpty(1).Max() + 1}}}"""), 200,
                $$"""{"topic":"{{t}}","previousCount":{{live.Partitions}},"count":{{live.Partitions + 1}}}""", "adding partitions"),
            "Topics.DeleteRecords" => Plan("Delete a topic's records before an offset", P(("topic", t)),
                J("""{"partitions": [{"partition": 0, "beforeOffset": 0}]}"""), 200,
                $$"""{"topic":"{{t}}","partitions":[{"partition":0,"lowWatermark":0}]}""", "deleting records"),
            "Topics.DeleteTopic" => Plan("Delete a topic", P(("topic", live.NewTopicName)), null, 204, null, "deleting topics"),

            "Registry.ListSubjects" => Plan("List subjects", P(), null, 200, $"""["{s}"]"""),
            "Registry.ListVersions" => Plan("List a subject's versions", P(("subject", s)), null, 200, "[1]"),
            "Registry.Register" => Plan("Register a schema under a subject", P(("subject", s)), schemaBody, 200,
                $$"""{"id":{{live.SchemaId}},"version":1,"guid":"{{live.SchemaGuid ?? "0e5f4a3c-1d2b-4c6a-9f8e-7d6c5b4a3928"}}"}"""),
            "Registry.GetVersion" => Plan("Get a version of a subject", P(("subject", s), ("version", "latest")), null, 200, version),
            "Registry.GetVersionSchema" => Plan("Get the schema text of a version", P(("subject", s), ("version", "latest")), null, 200, SensorSchema),
            "Registry.Lookup" => Plan("Look up a schema under a subject", P(("subject", s)), schemaBody, 200, version),
            "Registry.GetSchemaById" => Plan("Get a schema by id", P(("id", live.SchemaId)), null, 200,
                $$"""{"schema":{{JsonSerializer.Serialize(SensorSchema)}}}"""),
            "Registry.GetSchemaByGuid" => Plan("Get a schema by GUID", P(("guid", live.SchemaGuid ?? "0e5f4a3c-1d2b-4c6a-9f8e-7d6c5b4a3928")), null, 200,
                $$"""{"schema":{{JsonSerializer.Serialize(SensorSchema)}}}"""),
            "Registry.GetSchemaReferencedBy" => Plan("List the schemas that reference a schema id", P(("id", live.SchemaId)), null, 200, "[]"),
            "Registry.GetVersionReferencedBy" => Plan("List the schemas that reference a version", P(("subject", s), ("version", "latest")), null, 200, "[]"),
            "Registry.GetRawSchemaById" => Plan("Get the schema text of an id", P(("id", live.SchemaId)), null, 200, SensorSchema),
            "Registry.GetSchemaRegistrations" => Plan("List the subjects and versions of a schema id", P(("id", live.SchemaId)), null, 200,
                $$"""[{"subject":"{{s}}","version":1}]"""),
            "Registry.GetSchemaTypes" => Plan("List the supported schema types", P(), null, 200, """["AVRO"]"""),
            "Registry.GetGlobalConfig" => Plan("Get the global compatibility level", P(), null, 200, """{"compatibilityLevel":"BACKWARD"}"""),
            "Registry.SetGlobalConfig" => Plan("Set the global compatibility level", P(), J("""{"compatibility": "BACKWARD"}"""), 200, """{"compatibility":"BACKWARD"}"""),
            "Registry.GetSubjectConfig" => Plan("Get a subject's compatibility level", P(("subject", s), ("defaultToGlobal", true)), null, 200,
                """{"compatibilityLevel":"BACKWARD"}"""),
            "Registry.SetSubjectConfig" => Plan("Set a subject's compatibility level", P(("subject", s)), J("""{"compatibility": "BACKWARD"}"""), 200,
                """{"compatibility":"BACKWARD"}"""),
            "Registry.DeleteSubjectConfig" => Plan("Remove a subject's compatibility level", P(("subject", s)), null, 200, """{"compatibilityLevel":"BACKWARD"}"""),
            "Registry.TestCompatibility" => Plan("Test a schema against a version", P(("subject", s), ("version", "latest"), ("verbose", true)), schemaBody, 200,
                """{"is_compatible":true,"messages":[]}"""),
            "Registry.TestCompatibilityWithSubject" => Plan("Test a schema against a subject", P(("subject", s), ("verbose", true)), schemaBody, 200,
                """{"is_compatible":true,"messages":[]}"""),
            "Registry.GetAssociations" => Plan("List a topic's subject associations",
                P(("resourceNamespace", "-"), ("resourceName", t), ("resourceType", "topic")), null, 200,
                $$"""[{"subject":"{{s}}","resourceName":"{{t}}","resourceNamespace":"-","resourceType":"topic","associationType":"value"}]"""),
            "Registry.GetSubjectAssociations" => Plan("List the associations of a subject", P(("subject", s)), null, 200,
                $$"""[{"subject":"{{s}}","resourceName":"{{t}}","resourceNamespace":"-","resourceType":"topic","associationType":"value"}]"""),
            "Registry.CreateAssociations" => Plan("Associate a topic with subjects",
                P(), J($$"""{"resourceName": "{{t}}", "resourceNamespace": "-", "resourceId": "{{t}}-id", "resourceType": "topic", "associations": [{"associationType": "value", "subject": "{{s}}"}]}"""), 200,
                $$"""{"resourceName":"{{t}}","resourceNamespace":"-","resourceId":"{{t}}-id","resourceType":"topic","associations":[{"subject":"{{s}}","associationType":"value"}]}"""),
            "Registry.DeleteAssociations" => Plan("Delete a topic's associations", P(("resourceId", $"{t}-id")), null, 204, null),
            "Registry.DeleteVersion" => Plan("Delete a version of a subject", P(("subject", s), ("version", "latest")), null, 200, "2"),
            "Registry.DeleteSubject" => Plan("Delete a subject", P(("subject", s)), null, 200, "[1]"),

            "ConsumerGroupCommits.Commit" => Plan("Commit a stream's progress for a consumer group", P(("group", "billing")),
                J($$"""{"topic": "{{t}}", "resumeToken": "{{token}}"}"""), 200,
                $$"""{"group":"billing","topic":"{{t}}","offsets":[{"partition":0,"offset":0}]}"""),
            "ConsumerGroups.ResetOffsets" => Plan("Reset a consumer group's offsets (dry run)", P(("group", "billing")),
                J($$"""{"topic": "{{t}}", "to": "earliest", "dryRun": true}"""), 200,
                $$"""{"groupId":"billing","topic":"{{t}}","dryRun":true,"partitions":[{"partition":0,"previousOffset":null,"newOffset":0}]}"""),
            "ConsumerGroups.ListGroups" => Plan("List consumer groups", P(), null, 200,
                """[{"groupId":"billing","state":"Empty","simple":false}]""", "listing consumer groups"),
            "ConsumerGroups.DescribeGroup" => Plan("Describe a consumer group with its lag", P(("group", "billing")), null, 200,
                live.IsEmbedded
                    ? $$"""{"groupId":"billing","state":"Unknown","protocol":null,"coordinatorId":null,"offsets":[{"topic":"{{t}}","partition":0,"committedOffset":0,"highWatermark":1,"lag":1}],"totalLag":1,"notes":["The embedded cluster cannot describe groups: no state or members."]}"""
                    : $$"""{"groupId":"billing","state":"Empty","protocol":"range","coordinatorId":1,"members":[],"offsets":[{"topic":"{{t}}","partition":0,"committedOffset":0,"highWatermark":1,"lag":1}],"totalLag":1}"""),
            "ConsumerGroups.DeleteGroup" => Plan("Delete a consumer group", P(("group", "billing")), null, 204, null, "deleting consumer groups"),

            "Cluster.GetCluster" => Plan("Describe the cluster", P(), null, 200,
                """{"clusterId":"lkc-0001","bootstrapServers":"kafka-1:9092","embedded":false,"controllerId":1,"brokers":[{"id":1,"host":"kafka-1","port":9092,"rack":null}]}"""),
            "Brokers.GetBrokerConfigs" => Plan("Get a broker's configs", P(("id", live.BrokerId)), null, 200,
                $$"""{"resource":"{{live.BrokerId}}","configs":[{"name":"log.retention.hours","value":"168","source":"STATIC_BROKER_CONFIG","isDefault":false,"isReadOnly":true,"isSensitive":false}]}""",
                "broker configs"),

            "health.live" => Plan("Liveness probe: the process answers", P(), null, 200, """{"status":"Healthy"}"""),
            "health.ready" => Plan("Readiness probe: Kafka, the registry and certificates", P(), null, 200, """{"status":"Healthy"}"""),
            "metrics" => Plan("Prometheus metrics", P(), null, 200, null),

            "RestProxyV2.Produce" => Plan("Produce records (REST Proxy v2 request and answer)", P(("topic", t)),
                J($$"""{"value_schema_id": {{live.SchemaId}}, "records": [{"value": {{Reading}}}]}"""), 200,
                $$"""{"key_schema_id":null,"value_schema_id":{{live.SchemaId}},"offsets":[{"partition":0,"offset":0,"error_code":null,"error":null}]}"""),
            "RestProxyV2.ProduceToPartition" => Plan("Produce records to one partition (REST Proxy v2)", P(("topic", t), ("partition", 0)),
                J($$"""{"value_schema_id": {{live.SchemaId}}, "records": [{"value": {{Reading}}}]}"""), 200,
                $$"""{"key_schema_id":null,"value_schema_id":{{live.SchemaId}},"offsets":[{"partition":0,"offset":0,"error_code":null,"error":null}]}"""),
            _ => null,
        };

        static ExamplePlan Plan(string summary, IReadOnlyDictionary<string, JsonNode?> parameters, JsonNode? body, int status, string? answer, string? embeddedLimit = null) =>
            new(summary, parameters, body, status, answer is null ? null : ParseAnswer(answer), embeddedLimit);
    }

    /// <summary>The trace id the error examples show.</summary>
    public static string ExampleTraceId => TraceId;

    private static JsonNode? ParseAnswer(string answer)
    {
        try
        {
            return JsonNode.Parse(answer);
        }
        catch (JsonException)
        {
            // Raw schema text that is not one JSON value is shown as a string.
            return JsonValue.Create(answer);
        }
    }

    private static JsonNode? J(string json) => JsonNode.Parse(json);

    private static Dictionary<string, JsonNode?> P(params (string Name, object Value)[] values) =>
        values.ToDictionary(v => v.Name, v => (JsonNode?)JsonSerializer.SerializeToNode(v.Value), StringComparer.Ordinal);
}

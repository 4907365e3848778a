using System.Security.Claims;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>
/// Makes sure the topic (and every partition a request names) exists before anything is queued: producers run with
/// <c>allow.auto.create.topics=false</c>, so without this a record to a missing topic would wait
/// <c>message.timeout.ms</c> and answer 504 "may have been written" for something that cannot have been. With
/// <see cref="ProducerOptions.AutoCreateTopics"/> a missing topic is created, for principals with <c>admin</c> on it
/// (anybody in Development), and the answer to the request that created it carries
/// <c>Topic-Created: partitions=N</c> (<see cref="CreatedHeader"/>), whatever its status: the topic exists either way.
/// </summary>
public sealed partial class ProduceTopics(
    TopicMetadataCache metadata,
    KafkaConnection connection,
    IAdminClient admin,
    ProduceAuthorization access,
    IOptions<ProducerOptions> options,
    IOptions<KafkaOptions> kafkaOptions,
    IHostEnvironment environment,
    ILogger<ProduceTopics> logger)
{
    /// <summary>Response header naming a topic this request created, with its partition count.</summary>
    public const string CreatedHeader = "Topic-Created";

    /// <summary>Partitions of a topic the gateway creates in the embedded cluster (what the mock's own auto-creation uses).</summary>
    private const int EmbeddedPartitions = 4;

    /// <summary>Throws 404 <c>topic_not_found</c> / <c>partition_not_found</c> unless the records can go where they are addressed.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="highestPartition">The highest partition a record names, or null.</param>
    /// <param name="user">The caller (auto-creation needs <c>admin</c> outside Development).</param>
    /// <param name="response">The request's answer, told of a topic created for it; null when there is none to tell.</param>
    /// <param name="cancellationToken">Request aborted.</param>
    public async Task EnsureExistsAsync(string topic, int? highestPartition, ClaimsPrincipal user, HttpResponse? response, CancellationToken cancellationToken)
    {
        var required = (highestPartition ?? 0) + 1;
        var partitions = await metadata.GetPartitionCountAsync(topic, required, cancellationToken);
        if (partitions is null)
        {
            if (!options.Value.AutoCreateTopics)
            {
                throw new GatewayException(GatewayErrors.TopicNotFound,
                    $"Topic '{topic}' does not exist; nothing was written. Create it first (POST /topics); Producer:AutoCreateTopics is off.");
            }

            if (!environment.IsDevelopment() && !access.MayAdminister(user, topic))
            {
                throw new GatewayException(GatewayErrors.TopicNotFound,
                    $"Topic '{topic}' does not exist; nothing was written. Producer:AutoCreateTopics creates topics only for principals with " +
                    $"'admin' on the topic, which '{ProduceAuthorization.NameOf(user)}' lacks.");
            }

            partitions = await CreateAsync(topic, user, response, cancellationToken);
        }

        if (highestPartition is { } partition && partitions is { } count && partition >= count)
        {
            throw new GatewayException(GatewayErrors.PartitionNotFound,
                $"Topic '{topic}' has {count} partition(s) (0-{count - 1}); partition {partition} does not exist. Nothing was written.");
        }
    }

    private async Task<int?> CreateAsync(string topic, ClaimsPrincipal user, HttpResponse? response, CancellationToken cancellationToken)
    {
        if (connection.EmbeddedCluster is { } embedded)
        {
            // The embedded mock has no CreateTopics API.
            try
            {
                embedded.CreateTopic(topic, EmbeddedPartitions, Math.Min(embedded.BrokerCount, 3));
            }
            catch (KafkaException ex) when (ex.Error.Code == ErrorCode.TopicAlreadyExists)
            {
                // Created concurrently (another request's first record, POST /topics): fine, and not this request's.
                return await metadata.GetPartitionCountAsync(topic, 1, cancellationToken) ?? int.MaxValue;
            }

            metadata.Add(topic, EmbeddedPartitions);
            var principal = ProduceAuthorization.NameOf(user);
            LogCreated(logger, topic, principal);
            access.Audit(user, "topic.create", $"topic={topic}", succeeded: true, StatusCodes.Status201Created);
            AnnounceCreated(response, EmbeddedPartitions);
            return EmbeddedPartitions;
        }

        // Real Kafka (unverified here: the test cluster has no CreateTopics): the brokers' default partitions and
        // replication factor, as their own auto-creation would use.
        var timeout = TimeSpan.FromSeconds(kafkaOptions.Value.MetadataTimeoutSeconds);
        var created = false;
        try
        {
            await admin.CreateTopicsAsync(
                [new TopicSpecification { Name = topic, NumPartitions = -1, ReplicationFactor = -1 }],
                new CreateTopicsOptions { RequestTimeout = timeout, OperationTimeout = timeout });
            var principal = ProduceAuthorization.NameOf(user);
            LogCreated(logger, topic, principal);
            access.Audit(user, "topic.create", $"topic={topic}", succeeded: true, StatusCodes.Status201Created);
            created = true;
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
            // Created concurrently: fine.
        }
        catch (CreateTopicsException ex)
        {
            var error = ex.Results.FirstOrDefault(r => r.Error.IsError)?.Error ?? ex.Error;
            throw new GatewayException(GatewayErrors.TopicNotFound,
                $"Topic '{topic}' does not exist and could not be created ({error.Code}: {error.Reason}); nothing was written.", ex);
        }
        catch (KafkaException ex)
        {
            throw Kafka.KafkaErrorMapper.Unavailable($"Topic '{topic}' does not exist and Kafka did not answer the request to create it ({ex.Error.Reason}); nothing was written.", ex.Error, ex);
        }

        // Metadata may lag the creation; then the producer waits for the topic to appear.
        var partitions = await metadata.GetPartitionCountAsync(topic, 1, cancellationToken);
        if (created)
        {
            AnnounceCreated(response, partitions);
        }

        return partitions ?? int.MaxValue;
    }

    /// <summary>
    /// Adds <see cref="CreatedHeader"/> to the answer of the request. Set when the answer starts, because an error
    /// after the creation (a refused record, Kafka down) clears the headers set so far, and the client should learn of
    /// the topic either way. The response is passed in rather than found through <c>IHttpContextAccessor</c>: while
    /// that is registered, hosting writes an async-local on every request of every route.
    /// </summary>
    private static void AnnounceCreated(HttpResponse? response, int? partitions)
    {
        if (response is null)
        {
            return;
        }

        var value = partitions is { } count ? $"partitions={count}" : "partitions=unknown";
        response.OnStarting(() =>
        {
            response.Headers[CreatedHeader] = value;
            return Task.CompletedTask;
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Topic {Topic} created on first produce by {Principal} (Producer:AutoCreateTopics)")]
    private static partial void LogCreated(ILogger logger, string topic, string principal);
}

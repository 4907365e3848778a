using KafkaGateway.Admin;
using KafkaGateway.Kafka;
using KafkaGateway.Schemas.Registry;
using KafkaGateway.Security;
using KafkaGateway.Streaming;
using Microsoft.AspNetCore.Authorization;

namespace KafkaGateway.ApiDocument;

/// <summary>One offered topic: its name and partition count.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="Partitions">Partition count.</param>
internal sealed record OfferedTopic(string Name, int Partitions);

/// <summary>
/// What the examples of one served document are computed from: the address it was requested at, the topics the
/// caller may see (bounded), the first topic's value schema, and whether the cluster is the embedded one.
/// </summary>
internal sealed record LiveExamples(
    string Address,
    IReadOnlyList<OfferedTopic> Topics,
    string TopicsNote,
    string NewTopicName,
    int BrokerId,
    int SchemaId,
    string? SchemaGuid,
    bool IsEmbedded)
{
    /// <summary>The topic the examples use when none can be offered (the README's).</summary>
    public const string FallbackTopic = "sensors";

    /// <summary>The topic every other example (bodies, cursors, subjects) is consistent with: the first offered.</summary>
    public string Topic => Topics.Count > 0 ? Topics[0].Name : FallbackTopic;

    /// <summary>The example topic's partition count.</summary>
    public int Partitions => Topics.Count > 0 ? Topics[0].Partitions : 1;

    /// <summary>The example topic's value subject.</summary>
    public string Subject => Topic + "-value";

    /// <summary>A resume token (cursor) of the example topic: every partition from offset 0.</summary>
    public string ResumeToken => Streaming.ResumeToken.For(Topic, Enumerable.Range(0, Partitions).ToDictionary(p => p, _ => 0L)).Encode();
}

#pragma warning disable CA1001 // The semaphore lives as long as the singleton, i.e. the process.
/// <summary>
/// Computes <see cref="LiveExamples"/> for each served document. The cluster is asked at most every
/// <see cref="CacheFor"/> and for at most <see cref="ClusterBudget"/>, so a slow or down cluster costs a document at
/// most that long and then serves the document without topics.
/// </summary>
internal sealed class LiveExamplesSource(
    IKafkaAdminOperations admin,
    KafkaConnection connection,
    ReservedTopics reserved,
    AccessPolicy access,
    IAuthorizationService authorization,
    IServiceProvider services,
    TimeProvider time)
{
    /// <summary>At most this many topics are offered.</summary>
    public const int MaxTopics = 50;

    /// <summary>How long one look at the cluster serves documents.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    /// <summary>How long a document waits for the cluster (or the registry).</summary>
    public static readonly TimeSpan ClusterBudget = TimeSpan.FromSeconds(2);

    // Lives as long as the process (a singleton), so it is never disposed.
#pragma warning disable CA2213
    private readonly SemaphoreSlim _refresh = new(1, 1);
#pragma warning restore CA2213
    private (DateTimeOffset At, ClusterTopology? Topology, string? Failure)? _cached;

    public async Task<LiveExamples> GetAsync(HttpContext context)
    {
        var address = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}";
        var (topology, failure) = await TopologyAsync(context.RequestAborted);

        // Topic names are only offered to a caller who may list topics (GET /topics), and only the topics the caller
        // holds a permission on: the document itself is anonymous, so it must not leak names.
        var mayList = (await authorization.AuthorizeAsync(context.User, new TopicResource(null), GatewayAccessRequirement.Authenticated)).Succeeded;
        IReadOnlyList<OfferedTopic> offered = [];
        string note;
        if (!mayList)
        {
            note = "Topics are offered here when the document is fetched by a caller allowed to list topics; type the topic name.";
        }
        else if (topology is null)
        {
            note = $"The cluster did not list its topics within {ClusterBudget.TotalSeconds:0} s ({failure}); type the topic name.";
        }
        else
        {
            var visible = topology.Topics
                .Where(t => !t.Internal && !reserved.IsReserved(t.Name) && access.MayDescribe(context.User, t.Name))
                .OrderBy(t => t.Name, StringComparer.Ordinal)
                .ToList();
            offered = visible.Take(MaxTopics).Select(t => new OfferedTopic(t.Name, t.Partitions.Count)).ToArray();
            note = visible.Count == 0
                ? "The cluster has no topics yet: produce to one or create it (POST /topics)."
                : visible.Count > MaxTopics
                    ? $"The first {MaxTopics} of {visible.Count} topics are offered; type any other name."
                    : "Pick one of the cluster's topics, or type another name.";
        }

        var existing = topology?.Topics.Select(t => t.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        var newTopic = Enumerable.Range(1, 1000).Select(i => i == 1 ? "readings" : $"readings-{i}").First(n => !existing.Contains(n));
        var brokerId = topology is { Brokers.Count: > 0 } ? topology.Brokers[0].Id : 1;
        var examples = new LiveExamples(address, offered, note, newTopic, brokerId, 1, null, connection.IsEmbedded);
        return await WithSchemaAsync(examples, context.RequestAborted);
    }

    private async Task<LiveExamples> WithSchemaAsync(LiveExamples examples, CancellationToken cancellationToken)
    {
        if (services.GetService<BuiltInSchemaRegistry>() is not { IsLoaded: true } registry)
        {
            return examples;
        }

        try
        {
            var latest = await registry.GetVersionAsync(examples.Subject, "latest", false, cancellationToken).WaitAsync(ClusterBudget, cancellationToken);
            return examples with { SchemaId = latest.Id, SchemaGuid = string.IsNullOrEmpty(latest.Guid) ? null : latest.Guid };
        }
        catch (Exception ex) when (ex is Schemas.SchemaRegistryException or TimeoutException)
        {
            return examples;
        }
    }

    private async Task<(ClusterTopology? Topology, string? Failure)> TopologyAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } fresh && time.GetUtcNow() - fresh.At < CacheFor)
        {
            return (fresh.Topology, fresh.Failure);
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } again && time.GetUtcNow() - again.At < CacheFor)
            {
                return (again.Topology, again.Failure);
            }

            ClusterTopology? topology = null;
            string? failure = null;
            try
            {
                topology = await admin.GetTopologyAsync(cancellationToken).WaitAsync(ClusterBudget, cancellationToken);
            }
            catch (Exception ex) when (ex is Confluent.Kafka.KafkaException or TimeoutException or Http.GatewayException)
            {
                failure = ex is TimeoutException ? "timed out" : ex.Message;
            }

            _cached = (time.GetUtcNow(), topology, failure);
            return (topology, failure);
        }
        finally
        {
            _refresh.Release();
        }
    }
}
#pragma warning restore CA1001

using System.Reflection;
using Confluent.Kafka;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Tests.Kafka;

/// <summary>
/// The cache's fetch discipline, against a stand-in admin client (a unit test: the harness cluster cannot count
/// metadata requests or fail them on demand).
/// </summary>
public sealed class TopicMetadataCacheTests
{
    [Fact]
    public async Task GetPartitionCount_TopicCreatedAfterTheLastFetch_IsFound()
    {
        var admin = StandInAdmin.Create(out var cluster);
        var cache = Cache(admin);
        Assert.Null(await cache.GetPartitionCountAsync("late", 1, CancellationToken.None));

        cluster.Topics["late"] = 3;

        Assert.Equal(3, await cache.GetPartitionCountAsync("late", 1, CancellationToken.None));
    }

    [Fact]
    public async Task GetPartitionCount_KnownTopic_AnswersWithoutAskingKafka()
    {
        var admin = StandInAdmin.Create(out var cluster);
        cluster.Topics["known"] = 2;
        var cache = Cache(admin);
        await cache.GetPartitionCountAsync("known", 1, CancellationToken.None);
        var fetches = cluster.Fetches;

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(2, await cache.GetPartitionCountAsync("known", 2, CancellationToken.None));
        }

        Assert.Equal(fetches, cluster.Fetches);
    }

    [Fact]
    public async Task GetPartitionCount_MorePartitionsThanKnown_AsksKafkaAgain()
    {
        var admin = StandInAdmin.Create(out var cluster);
        cluster.Topics["grows"] = 1;
        var cache = Cache(admin);
        await cache.GetPartitionCountAsync("grows", 1, CancellationToken.None);

        cluster.Topics["grows"] = 4;

        Assert.Equal(4, await cache.GetPartitionCountAsync("grows", 4, CancellationToken.None));
    }

    [Fact]
    public async Task GetPartitionCount_ManyConcurrentMisses_ShareAFewFetches()
    {
        var admin = StandInAdmin.Create(out var cluster);
        cluster.Delay = TimeSpan.FromMilliseconds(50);
        var cache = Cache(admin);

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => cache.GetPartitionCountAsync("missing", 1, CancellationToken.None))));

        Assert.All(answers, a => Assert.Null(a));
        // At most one fetch runs and one waits at any time: far fewer fetches than requests.
        Assert.InRange(cluster.Fetches, 1, 20);
    }

    [Fact]
    public async Task GetPartitionCount_KafkaDownAndTopicUnknown_Answers503()
    {
        var admin = StandInAdmin.Create(out var cluster);
        cluster.Down = true;
        var cache = Cache(admin);

        var error = await Assert.ThrowsAsync<GatewayException>(() => cache.GetPartitionCountAsync("t", 1, CancellationToken.None));

        Assert.Equal(503, error.StatusCode);
        Assert.Equal("kafka_unavailable", error.Code);
    }

    [Fact]
    public async Task GetPartitionCount_KafkaDownAndTopicKnown_AnswersWhatIsKnown()
    {
        var admin = StandInAdmin.Create(out var cluster);
        cluster.Topics["t"] = 2;
        var cache = Cache(admin);
        await cache.GetPartitionCountAsync("t", 1, CancellationToken.None);
        cluster.Down = true;

        // Needs a third partition the cache does not know: Kafka is asked, fails, and the known count stands.
        Assert.Equal(2, await cache.GetPartitionCountAsync("t", 3, CancellationToken.None));
    }

    private static TopicMetadataCache Cache(IAdminClient admin) =>
        new(admin, Options.Create(new KafkaOptions { MetadataTimeoutSeconds = 1 }), new KafkaBlockingCalls(), TimeProvider.System);

    /// <summary>Answers GetMetadata(TimeSpan) from <see cref="State"/>; every other member throws.</summary>
    public class StandInAdmin : DispatchProxy
    {
        public State Cluster { get; private set; } = null!;

        public static IAdminClient Create(out State state)
        {
            var admin = Create<IAdminClient, StandInAdmin>();
            state = new State();
            ((StandInAdmin)(object)admin).Cluster = state;
            return admin;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name != nameof(IAdminClient.GetMetadata) || args is not [TimeSpan])
            {
                throw new NotSupportedException(targetMethod?.Name);
            }

            Cluster.CountFetch();
            Thread.Sleep(Cluster.Delay);
            if (Cluster.Down)
            {
                throw new KafkaException(ErrorCode.Local_Transport);
            }

            var topics = Cluster.Topics.Select(t => new TopicMetadata(t.Key,
                Enumerable.Range(0, t.Value).Select(p => new PartitionMetadata(p, 1, [1], [1], new Error(ErrorCode.NoError))).ToList(),
                new Error(ErrorCode.NoError))).ToList();
            return new Metadata([new BrokerMetadata(1, "localhost", 9092)], topics, 1, "localhost:9092/1");
        }

        public sealed class State
        {
            private int _fetches;
            private volatile bool _down;

            public System.Collections.Concurrent.ConcurrentDictionary<string, int> Topics { get; } = new(StringComparer.Ordinal);

            public TimeSpan Delay { get; set; }

            public bool Down { get => _down; set => _down = value; }

            public int Fetches => Volatile.Read(ref _fetches);

            public void CountFetch() => Interlocked.Increment(ref _fetches);
        }
    }
}

using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace KafkaGateway.Kafka;

/// <summary>
/// librdkafka's built-in mock Kafka cluster: real Kafka protocol on loopback sockets, data in memory.
/// Used for the embedded development cluster and by the test harness.
/// </summary>
/// <remarks>
/// The mock cluster supports produce, fetch, consumer groups, offsets and idempotence, but not the admin APIs
/// (CreateTopics, DeleteTopics, configs, DeleteRecords, ListGroups, DescribeGroups) nor TLS.
/// The API is experimental in librdkafka and reached through P/Invoke into the library Confluent.Kafka loaded.
/// </remarks>
public sealed unsafe class MockCluster : IDisposable
{
    private const int RdKafkaProducer = 0;
    private readonly Lock _lock = new();
    private IntPtr _rk;
    private IntPtr _cluster;
    private bool _ownerConnected;

    private MockCluster(IntPtr rk, IntPtr cluster, int brokerCount)
    {
        _rk = rk;
        _cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = Marshal.PtrToStringUTF8(Api.Bootstraps(cluster))
            ?? throw new InvalidOperationException("The mock cluster returned no bootstrap servers.");
        Listeners = BootstrapServers.Split(',')
            .Select((hostPort, index) =>
            {
                var colon = hostPort.LastIndexOf(':');
                return new BrokerAddress(index + 1, hostPort[..colon], int.Parse(hostPort[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            })
            .ToArray();
    }

    /// <summary>Number of brokers; broker ids run from 1 to this number.</summary>
    public int BrokerCount { get; }

    /// <summary>The bootstrap servers of the brokers' own (plain) listeners, e.g. <c>127.0.0.1:41234,...</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>The plain listener of every broker, by broker id.</summary>
    public IReadOnlyList<BrokerAddress> Listeners { get; }

    /// <summary>The librdkafka file the cluster runs in.</summary>
    public static string LibraryPath => LibrdkafkaNative.LoadedPath;

    /// <summary>Starts a mock cluster with <paramref name="brokerCount"/> brokers listening on loopback.</summary>
    public static MockCluster Start(int brokerCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        var conf = LibrdkafkaNative.ConfNew();
        SetConf(conf, "client.id", "kafkagateway-mock-cluster");
        // The owning handle exists only for the cluster's bookkeeping; keep its own chatter to errors.
        SetConf(conf, "log_level", "3");
        var errstr = stackalloc byte[512];
        var rk = Api.New(RdKafkaProducer, conf, errstr, 512);
        if (rk == IntPtr.Zero)
        {
            throw new InvalidOperationException("Could not create the mock cluster's owner handle: " + Marshal.PtrToStringUTF8((IntPtr)errstr));
        }

        var cluster = Api.ClusterNew(rk, brokerCount);
        if (cluster == IntPtr.Zero)
        {
            Api.Destroy(rk);
            throw new InvalidOperationException("librdkafka could not start the mock cluster.");
        }

        // Left alone, the mock names broker 0 as the controller in metadata, a broker it does not have, so every admin
        // request bound for the controller (DescribeTopics, which the gateway uses for topic ids, DescribeCluster,
        // CreateTopics...) waits "for controller" until it times out. Kafka always has one: name broker 1.
        Api.SetControllerId(cluster, 1);

        return new MockCluster(rk, cluster, brokerCount);
    }

    /// <summary>The cluster id the mock brokers report in metadata, and the controller broker id.</summary>
    /// <remarks>
    /// The mock does not implement DescribeCluster, so ask through the owner handle, which is pointed at its own
    /// cluster on first use.
    /// </remarks>
    public (string? ClusterId, int? ControllerId) DescribeCluster(TimeSpan timeout)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_rk == IntPtr.Zero, this);
            if (!_ownerConnected)
            {
                fixed (byte* b = LibrdkafkaNative.Utf8Z(BootstrapServers))
                {
                    Api.BrokersAdd(_rk, b);
                }

                _ownerConnected = true;
            }

            var timeoutMs = (int)timeout.TotalMilliseconds;
            var idPtr = Api.ClusterId(_rk, timeoutMs);
            string? clusterId = null;
            if (idPtr != IntPtr.Zero)
            {
                clusterId = Marshal.PtrToStringUTF8(idPtr);
                Api.MemFree(_rk, idPtr);
            }

            var controller = Api.ControllerId(_rk, timeoutMs);
            return (clusterId, controller >= 0 ? controller : null);
        }
    }

    /// <summary>Creates a topic (the mock cluster does not implement the CreateTopics API).</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        fixed (byte* t = LibrdkafkaNative.Utf8Z(topic))
        {
            ThrowOnError(Api.TopicCreate(Handle, t, partitions, replicationFactor), $"create topic '{topic}'");
        }
    }

    /// <summary>
    /// Deletes a topic and its data, as Kafka's DeleteTopics would (the mock does not implement that API). Created again
    /// under the same name, it is a new topic with a new topic id and empty logs.
    /// </summary>
    public void DeleteTopic(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        fixed (byte* t = LibrdkafkaNative.Utf8Z(topic))
        {
            ThrowOnError(Api.TopicDelete(Handle, t), $"delete topic '{topic}'");
        }
    }

    /// <summary>
    /// Makes <paramref name="brokerId"/> the leader of a partition (the mock picks a random replica as leader when it
    /// creates a topic); clients learn it with their next metadata refresh.
    /// </summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        fixed (byte* t = LibrdkafkaNative.Utf8Z(topic))
        {
            ThrowOnError(Api.PartitionSetLeader(Handle, t, partition, brokerId), $"set the leader of '{topic}' [{partition}]");
        }
    }

    /// <summary>The broker the mock names as controller in metadata (admin requests go there); broker 1 from the start.</summary>
    public void SetControllerId(int brokerId) => Api.SetControllerId(Handle, brokerId);

    /// <summary>Disconnects a broker (or all with -1) and refuses new connections.</summary>
    public void SetBrokerDown(int brokerId) => ThrowOnError(Api.BrokerSetDown(Handle, brokerId), "set broker down");

    /// <summary>Lets a broker (or all with -1) accept connections again.</summary>
    public void SetBrokerUp(int brokerId) => ThrowOnError(Api.BrokerSetUp(Handle, brokerId), "set broker up");

    /// <summary>Delays every response of a broker (or all with -1) by <paramref name="rttMs"/>.</summary>
    public void SetBrokerRtt(int brokerId, int rttMs) => ThrowOnError(Api.BrokerSetRtt(Handle, brokerId, rttMs), "set broker RTT");

    /// <summary>Changes the host and port a broker advertises in metadata (its listener stays where it is).</summary>
    public void AdvertiseBroker(int brokerId, string host, int port)
    {
        fixed (byte* h = LibrdkafkaNative.Utf8Z(host))
        {
            Api.BrokerSetHostPort(Handle, brokerId, h, port);
        }
    }

    /// <summary>The next requests of type <paramref name="apiKey"/> fail with these errors, in order.</summary>
    /// <remarks><see cref="ErrorCode.Local_Transport"/> makes the broker drop the connection instead.</remarks>
    public void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        fixed (ErrorCode* p = errors)
        {
            Api.PushRequestErrorsArray(Handle, apiKey, (nuint)errors.Length, (int*)p);
        }
    }

    /// <summary>
    /// Makes metadata answer <paramref name="error"/> for <paramref name="topic"/> (<see cref="ErrorCode.NoError"/> undoes
    /// it). With <see cref="ErrorCode.UnknownTopicOrPart"/> the topic looks deleted to clients: the mock cannot delete topics.
    /// </summary>
    public void SetTopicError(string topic, ErrorCode error)
    {
        fixed (byte* t = LibrdkafkaNative.Utf8Z(topic))
        {
            Api.TopicSetError(Handle, t, (int)error);
        }
    }

    /// <summary>Forgets errors queued with <see cref="PushRequestErrors"/> for <paramref name="apiKey"/>.</summary>
    public void ClearRequestErrors(short apiKey) => Api.ClearRequestErrors(Handle, apiKey);

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            if (_cluster != IntPtr.Zero)
            {
                Api.ClusterDestroy(_cluster);
                _cluster = IntPtr.Zero;
            }

            if (_rk != IntPtr.Zero)
            {
                Api.Destroy(_rk);
                _rk = IntPtr.Zero;
            }
        }
    }

    private IntPtr Handle
    {
        get
        {
            var handle = _cluster;
            ObjectDisposedException.ThrowIf(handle == IntPtr.Zero, this);
            return handle;
        }
    }

    private static void ThrowOnError(int err, string what)
    {
        if (err != 0)
        {
            throw new KafkaException(new Error((ErrorCode)err, $"Mock cluster could not {what}: {(ErrorCode)err}"));
        }
    }

    private static void SetConf(IntPtr conf, string name, string value)
    {
        if (LibrdkafkaNative.ConfSet(conf, name, value) is { } reason)
        {
            throw new InvalidOperationException($"librdkafka rejected {name}: {reason}");
        }
    }

    private static class Api
    {
        public static readonly delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> New =
            (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)LibrdkafkaNative.GetExport("rd_kafka_new");
        public static readonly delegate* unmanaged<IntPtr, void> Destroy =
            (delegate* unmanaged<IntPtr, void>)LibrdkafkaNative.GetExport("rd_kafka_destroy");
        public static readonly delegate* unmanaged<IntPtr, byte*, int> BrokersAdd =
            (delegate* unmanaged<IntPtr, byte*, int>)LibrdkafkaNative.GetExport("rd_kafka_brokers_add");
        public static readonly delegate* unmanaged<IntPtr, int, IntPtr> ClusterId =
            (delegate* unmanaged<IntPtr, int, IntPtr>)LibrdkafkaNative.GetExport("rd_kafka_clusterid");
        public static readonly delegate* unmanaged<IntPtr, int, int> ControllerId =
            (delegate* unmanaged<IntPtr, int, int>)LibrdkafkaNative.GetExport("rd_kafka_controllerid");
        public static readonly delegate* unmanaged<IntPtr, IntPtr, void> MemFree =
            (delegate* unmanaged<IntPtr, IntPtr, void>)LibrdkafkaNative.GetExport("rd_kafka_mem_free");
        public static readonly delegate* unmanaged<IntPtr, int, IntPtr> ClusterNew =
            (delegate* unmanaged<IntPtr, int, IntPtr>)LibrdkafkaNative.GetExport("rd_kafka_mock_cluster_new");
        public static readonly delegate* unmanaged<IntPtr, void> ClusterDestroy =
            (delegate* unmanaged<IntPtr, void>)LibrdkafkaNative.GetExport("rd_kafka_mock_cluster_destroy");
        public static readonly delegate* unmanaged<IntPtr, IntPtr> Bootstraps =
            (delegate* unmanaged<IntPtr, IntPtr>)LibrdkafkaNative.GetExport("rd_kafka_mock_cluster_bootstraps");
        public static readonly delegate* unmanaged<IntPtr, byte*, int, int, int> TopicCreate =
            (delegate* unmanaged<IntPtr, byte*, int, int, int>)LibrdkafkaNative.GetExport("rd_kafka_mock_topic_create");
        public static readonly delegate* unmanaged<IntPtr, byte*, int> TopicDelete =
            (delegate* unmanaged<IntPtr, byte*, int>)LibrdkafkaNative.GetExport("rd_kafka_mock_topic_delete");
        public static readonly delegate* unmanaged<IntPtr, byte*, int, int, int> PartitionSetLeader =
            (delegate* unmanaged<IntPtr, byte*, int, int, int>)LibrdkafkaNative.GetExport("rd_kafka_mock_partition_set_leader");
        public static readonly delegate* unmanaged<IntPtr, int, void> SetControllerId =
            (delegate* unmanaged<IntPtr, int, void>)LibrdkafkaNative.GetExport("rd_kafka_mock_set_controller_id");
        public static readonly delegate* unmanaged<IntPtr, int, int> BrokerSetDown =
            (delegate* unmanaged<IntPtr, int, int>)LibrdkafkaNative.GetExport("rd_kafka_mock_broker_set_down");
        public static readonly delegate* unmanaged<IntPtr, int, int> BrokerSetUp =
            (delegate* unmanaged<IntPtr, int, int>)LibrdkafkaNative.GetExport("rd_kafka_mock_broker_set_up");
        public static readonly delegate* unmanaged<IntPtr, int, int, int> BrokerSetRtt =
            (delegate* unmanaged<IntPtr, int, int, int>)LibrdkafkaNative.GetExport("rd_kafka_mock_broker_set_rtt");
        public static readonly delegate* unmanaged<IntPtr, int, byte*, int, void> BrokerSetHostPort =
            (delegate* unmanaged<IntPtr, int, byte*, int, void>)LibrdkafkaNative.GetExport("rd_kafka_mock_broker_set_host_port");
        public static readonly delegate* unmanaged<IntPtr, short, nuint, int*, void> PushRequestErrorsArray =
            (delegate* unmanaged<IntPtr, short, nuint, int*, void>)LibrdkafkaNative.GetExport("rd_kafka_mock_push_request_errors_array");
        public static readonly delegate* unmanaged<IntPtr, byte*, int, void> TopicSetError =
            (delegate* unmanaged<IntPtr, byte*, int, void>)LibrdkafkaNative.GetExport("rd_kafka_mock_topic_set_error");
        public static readonly delegate* unmanaged<IntPtr, short, void> ClearRequestErrors =
            (delegate* unmanaged<IntPtr, short, void>)LibrdkafkaNative.GetExport("rd_kafka_mock_clear_request_errors");
    }
}

/// <summary>A broker's id and the address it listens on.</summary>
public sealed record BrokerAddress(int Id, string Host, int Port);

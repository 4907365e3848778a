namespace KafkaGateway.Admin;

/// <summary>The Kafka cluster the gateway talks to.</summary>
/// <param name="ClusterId">Kafka cluster id, when the cluster reports one.</param>
/// <param name="BootstrapServers">Bootstrap servers any Kafka client (e.g. <c>kcat -b</c>) can use.</param>
/// <param name="Embedded">True when this is the gateway's in-memory development cluster.</param>
/// <param name="ControllerId">Id of the controller broker, when known.</param>
/// <param name="Brokers">The brokers, as advertised in metadata.</param>
public sealed record ClusterInfo(string? ClusterId, string BootstrapServers, bool Embedded, int? ControllerId, IReadOnlyList<BrokerInfo> Brokers);

/// <summary>A broker as advertised in cluster metadata.</summary>
/// <param name="Id">Broker id.</param>
/// <param name="Host">Advertised host.</param>
/// <param name="Port">Advertised port.</param>
/// <param name="Rack">Rack, when configured.</param>
public sealed record BrokerInfo(int Id, string Host, int Port, string? Rack);

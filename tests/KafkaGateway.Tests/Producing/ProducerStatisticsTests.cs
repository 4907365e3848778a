using KafkaGateway.Producing;

namespace KafkaGateway.Tests.Producing;

/// <summary>The librdkafka statistics the metrics gauges read (kept here as they came with the observability work).</summary>
public sealed class ProducerStatisticsTests
{
    [Fact]
    public void ParseStatistics_QueueDepthAndBrokerFigures_BootstrapEntriesSkipped()
    {
        const string json = """
            {"msg_cnt": 42, "brokers": {
              "localhost:9092/bootstrap": {"nodeid": -1, "state": "UP", "outbuf_cnt": 9, "waitresp_cnt": 9, "rtt": {"avg": 1}},
              "localhost:9092/1": {"nodeid": 1, "state": "UP", "outbuf_cnt": 3, "waitresp_cnt": 2, "rtt": {"avg": 1500}},
              "localhost:9093/2": {"nodeid": 2, "state": "DOWN", "outbuf_cnt": 0, "waitresp_cnt": 0, "rtt": {"avg": 0}}}}
            """;

        var statistics = ProducerPool.ParseStatistics("alice", json, out var up);

        Assert.Equal(1, up);
        Assert.Equal("alice", statistics.Identity);
        Assert.Equal(42, statistics.QueuedMessages);
        Assert.Equal(2, statistics.Brokers.Count);
        var broker = statistics.Brokers.Single(b => b.Name == "1");
        Assert.Equal(3, broker.OutbufRequests);
        Assert.Equal(2, broker.InFlightRequests);
        Assert.Equal(0.0015, broker.RttAverageSeconds, 6);
    }
}

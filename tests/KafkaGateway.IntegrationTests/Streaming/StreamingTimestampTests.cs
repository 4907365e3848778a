using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Streaming;

namespace KafkaGateway.IntegrationTests.Streaming;

/// <summary>
/// Timestamp starts on the librdkafka mock cluster, which answers every timestamp lookup with the end offset: the
/// gateway finds the offset by a binary search over fetched records. Against real Kafka the broker's answer is used
/// (it never answers the end while a later record exists); that path is not exercised here.
/// </summary>
public sealed class StreamingTimestampTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    private static readonly DateTimeOffset s_base = new(2026, 1, 31, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Stream_FromTimestampBetweenRecords_StartsAtTheFirstRecordAtOrAfterItInEveryPartition()
    {
        var topic = await TopicWithMinutesAsync(partition0: 40, partition1: 3);
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();

        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from={Time(17.5)}&until=end");
        var events = await stream.ReadToEndAsync();

        var records = events.Where(e => e.EventType == "record").Select(e => e.Position()).ToList();
        Assert.Equal(Enumerable.Range(18, 22).Select(o => (0, (long)o)), records);
        Assert.Equal(["caught-up", "end"], events.Skip(records.Count).Select(e => e.EventType));
    }

    [Fact]
    public async Task Stream_FromTimestampAtARecordsExactTime_IncludesThatRecord()
    {
        var topic = await TopicWithMinutesAsync(partition0: 9, partition1: 0);
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();

        await using var first = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from={Time(0)}&until=end");
        await using var exact = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from={Time(4)}&until=end");
        var all = (await first.ReadToEndAsync()).Where(e => e.EventType == "record").Select(e => e.Position().Offset);
        var fromFour = (await exact.ReadToEndAsync()).Where(e => e.EventType == "record").Select(e => e.Position().Offset);

        Assert.Equal(Enumerable.Range(0, 9).Select(o => (long)o), all);
        Assert.Equal(Enumerable.Range(4, 5).Select(o => (long)o), fromFour);
    }

    [Fact]
    public async Task Records_TimestampThenNextCursor_PagesFromTheFirstRecordAtOrAfterTheTimeWithoutSkipping()
    {
        var topic = await TopicWithMinutesAsync(partition0: 12, partition1: 2);
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();

        var offsets = new List<(int, long)>();
        var url = $"/topics/{topic}/records?timestamp={Time(5)}&limit=3";
        for (var page = 0; page < 10; page++)
        {
            var body = await client.GetFromJsonAsync<JsonElement>(url);
            var records = body.GetProperty("records").EnumerateArray()
                .Select(r => (r.GetProperty("partition").GetInt32(), r.GetProperty("offset").GetInt64())).ToList();
            if (records.Count == 0)
            {
                break;
            }

            offsets.AddRange(records);
            url = $"/topics/{topic}/records?limit=3&cursor={body.GetProperty("next").GetString()}";
        }

        Assert.Equal(Enumerable.Range(5, 7).Select(o => (0, (long)o)), offsets);
    }

    /// <summary>
    /// A topic of 3 partitions: partition 0 with one record per minute from <see cref="s_base"/>, partition 1 with
    /// records an hour before it, partition 2 empty.
    /// </summary>
    private async Task<string> TopicWithMinutesAsync(int partition0, int partition1)
    {
        var topic = cluster.CreateTopic(3);
        using var producer = cluster.Producer();
        for (var i = 0; i < partition0; i++)
        {
            await producer.ProduceAsync(topic, 0, null, Encoding.UTF8.GetBytes($"m{i}"), timestamp: s_base.AddMinutes(i));
        }

        for (var i = 0; i < partition1; i++)
        {
            await producer.ProduceAsync(topic, 1, null, Encoding.UTF8.GetBytes($"old{i}"), timestamp: s_base.AddHours(-1).AddMinutes(i));
        }

        return topic;
    }

    private static string Time(double minutes) =>
        Uri.EscapeDataString(s_base.AddMinutes(minutes).ToString("O", CultureInfo.InvariantCulture));
}

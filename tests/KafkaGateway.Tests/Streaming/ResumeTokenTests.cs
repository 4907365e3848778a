using KafkaGateway.Streaming;

namespace KafkaGateway.Tests.Streaming;

public sealed class ResumeTokenTests
{
    [Fact]
    public void Encode_ThenTryParse_RoundTripsTopicAndOffsets()
    {
        var offsets = new Dictionary<int, long> { [0] = 0, [2] = 127, [1] = 128, [7] = long.MaxValue, [1000] = 1_234_567_890_123 };

        var text = ResumeToken.For("orders", offsets).Encode();

        Assert.True(ResumeToken.TryParse(text, out var token));
        Assert.True(token!.IsFor("orders"));
        Assert.False(token.IsFor("orders2"));
        Assert.Equal(offsets.OrderBy(p => p.Key), token.NextOffsets.OrderBy(p => p.Key));
    }

    [Fact]
    public void Encode_WithPageLimit_RoundTripsItAndStaysDistinctFromAStreamToken()
    {
        var offsets = new Dictionary<int, long> { [0] = 5, [3] = 300 };

        var withLimit = ResumeToken.For("orders", offsets, 50).Encode();
        var without = ResumeToken.For("orders", offsets).Encode();

        Assert.True(ResumeToken.TryParse(withLimit, out var token));
        Assert.Equal(50, token!.PageLimit);
        Assert.Equal(offsets.OrderBy(p => p.Key), token.NextOffsets.OrderBy(p => p.Key));
        Assert.True(ResumeToken.TryParse(without, out var streamToken));
        Assert.Null(streamToken!.PageLimit);
        Assert.NotEqual(withLimit, without);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(50)]
    public void Encode_WithTopicId_RoundTripsItAndOldTokensParseWithout(int? pageLimit)
    {
        var offsets = new Dictionary<int, long> { [0] = 5, [3] = 300 };
        var id = Guid.Parse("2288a215-7f10-4df6-b031-e3c9866fa5bf");

        var text = ResumeToken.For("orders", offsets, pageLimit, id).Encode();
        var old = ResumeToken.For("orders", offsets, pageLimit).Encode();

        Assert.True(ResumeToken.TryParse(text, out var token));
        Assert.Equal(id, token!.TopicId);
        Assert.Equal(pageLimit, token.PageLimit);
        Assert.True(token.IsFor("orders"));
        Assert.Equal(offsets.OrderBy(p => p.Key), token.NextOffsets.OrderBy(p => p.Key));
        Assert.True(ResumeToken.TryParse(old, out var oldToken));
        Assert.Null(oldToken!.TopicId);
        Assert.Equal(offsets.OrderBy(p => p.Key), oldToken.NextOffsets.OrderBy(p => p.Key));
    }

    [Fact]
    public void IsOfRecreatedTopic_OnlyWhenBothIdsAreKnownAndDiffer()
    {
        var id = Guid.NewGuid();
        var withId = ResumeToken.For("t", new Dictionary<int, long> { [0] = 1 }, topicId: id);
        var withoutId = ResumeToken.For("t", new Dictionary<int, long> { [0] = 1 });

        Assert.True(withId.IsOfRecreatedTopic(Guid.NewGuid()));
        Assert.False(withId.IsOfRecreatedTopic(id));
        Assert.False(withId.IsOfRecreatedTopic(null));
        Assert.False(withoutId.IsOfRecreatedTopic(Guid.NewGuid()));
    }

    [Fact]
    public void TryParse_TopicIdTruncated_ReturnsFalse()
    {
        var text = ResumeToken.For("orders", new Dictionary<int, long>(), topicId: Guid.NewGuid()).Encode();
        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(text);

        Assert.True(ResumeToken.TryParse(text, out _));
        Assert.False(ResumeToken.TryParse(System.Buffers.Text.Base64Url.EncodeToString(bytes.AsSpan(0, 20)), out _));
    }

    [Fact]
    public void FromRecreatedTopic_StartsEveryPartitionAtEarliestWithNoticesForTheTokensPartitions()
    {
        var token = ResumeToken.For("t", new Dictionary<int, long> { [0] = 5, [1] = 50 }, topicId: Guid.NewGuid());
        var notices = new List<StreamNotice>();

        var named = TopicConsumer.FromRecreatedTopic(token, 1, 0, notices);
        var added = TopicConsumer.FromRecreatedTopic(token, 2, 0, notices);

        Assert.Equal(0, named);
        Assert.Equal(0, added);
        Assert.Equal([new StreamNotice("topic_recreated", 1, 50, 0)], notices);
    }

    [Fact]
    public void Encode_ThreePartitions_IsCompactAndUrlSafe()
    {
        var text = ResumeToken.For("orders", new Dictionary<int, long> { [0] = 41, [1] = 1_000_000, [2] = 7 }).Encode();

        Assert.True(text.Length < 40, text);
        Assert.Matches("^[A-Za-z0-9_-]+$", text);
    }

    [Fact]
    public void Encode_ManyPartitions_FitsBeyondTheStackBuffer()
    {
        var offsets = Enumerable.Range(0, 1000).ToDictionary(p => p, p => (long)p * 1_000_000_007);

        Assert.True(ResumeToken.TryParse(ResumeToken.For("t", offsets).Encode(), out var token));
        Assert.Equal(1000, token!.NextOffsets.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not*a*token")]
    [InlineData("AAAA")]
    [InlineData("AgAAAAAAAAAAAA")]
    public void TryParse_Malformed_ReturnsFalse(string? text)
    {
        Assert.False(ResumeToken.TryParse(text, out _));
    }

    [Fact]
    public void TryParse_TruncatedOrPadded_ReturnsFalse()
    {
        var text = ResumeToken.For("orders", new Dictionary<int, long> { [0] = 300, [1] = 5 }).Encode();
        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(text);

        Assert.False(ResumeToken.TryParse(System.Buffers.Text.Base64Url.EncodeToString(bytes.AsSpan(0, bytes.Length - 1)), out _));
        Assert.False(ResumeToken.TryParse(System.Buffers.Text.Base64Url.EncodeToString([.. bytes, 0]), out _));
    }

    [Fact]
    public void FromToken_OffsetBelowLogStartOrBeyondEnd_ResumesAtEarliestOrAtTheEndWithNotice()
    {
        var token = ResumeToken.For("t", new Dictionary<int, long> { [0] = 5, [1] = 50, [2] = 500 });
        var notices = new List<StreamNotice>();

        var within = TopicConsumer.FromToken(token, 1, 10, 100, notices);
        var below = TopicConsumer.FromToken(token, 0, 10, 100, notices);
        var beyond = TopicConsumer.FromToken(token, 2, 10, 100, notices);
        var added = TopicConsumer.FromToken(token, 3, 10, 100, notices);

        Assert.Equal(50, within);
        Assert.Equal(10, below);
        Assert.Equal(100, beyond);
        Assert.Equal(10, added);
        Assert.Equal(
            [new StreamNotice("offset_out_of_range", 0, 5, 10), new StreamNotice("offset_out_of_range", 2, 500, 100)],
            notices);
    }
}

using System.Text.Json;
using KafkaGateway.Http;
using KafkaGateway.Producing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Tests.Producing;

/// <summary>
/// The cache on its own, with a hand-driven clock and produce functions standing in for the produce path (what
/// reaches Kafka is proven by the integration tests; here: which answer a retry gets, and when a retry writes).
/// </summary>
public sealed class IdempotencyCacheTests
{
    private static readonly JsonElement s_body = JsonDocument.Parse("""{"value": {"n": 1}}""").RootElement;
    private static readonly JsonElement s_otherBody = JsonDocument.Parse("""{"value": {"n": 2}}""").RootElement;
    private readonly ManualClock _clock = new();

    private IdempotencyCache Cache(Action<ProducerOptions>? configure = null)
    {
        var options = new ProducerOptions { IdempotencyWindowSeconds = 300, IdempotencyInFlightWaitMilliseconds = 10_000 };
        configure?.Invoke(options);
        return new IdempotencyCache(Options.Create(options), _clock, NullLogger<IdempotencyCache>.Instance);
    }

    private static ProduceResponse Response(long offset) => new("t", null, null, [new ProducedRecord(0, offset, 1)]);

    private static GatewayException Failure(int status, string code, int? retryAfter = null)
    {
        var error = GatewayErrors.Find(code)!;
        Assert.Equal(status, error.Status);
        return new(error, "detail")
        {
            RetryAfterSeconds = retryAfter,
            Extensions = { ["records"] = new List<RecordOutcome> { new(0, "possibly_persisted", null, null, "Timeout", "no report") } },
        };
    }

    [Fact]
    public async Task GetOrProduce_SameKeyAndBody_ReplaysTheFirstAnswerWithoutProducingAgain()
    {
        var cache = Cache();
        var produced = 0;

        var first = await cache.GetOrProduceAsync("alice", "t", "k", s_body, () => Task.FromResult(Response(++produced)), default);
        var second = await cache.GetOrProduceAsync("alice", "t", "k", s_body, () => Task.FromResult(Response(++produced)), default);

        Assert.Equal(1, produced);
        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Same(first.Response, second.Response);
    }

    [Fact]
    public async Task GetOrProduce_SameKeyOtherPrincipalOrTopic_IsAnotherKey()
    {
        var cache = Cache();
        var produced = 0;

        await cache.GetOrProduceAsync("alice", "t", "k", s_body, () => Task.FromResult(Response(++produced)), default);
        var bob = await cache.GetOrProduceAsync("bob", "t", "k", s_otherBody, () => Task.FromResult(Response(++produced)), default);
        var otherTopic = await cache.GetOrProduceAsync("alice", "t2", "k", s_otherBody, () => Task.FromResult(Response(++produced)), default);

        Assert.Equal(3, produced);
        Assert.False(bob.Replayed);
        Assert.Equal(2, bob.Response.Records[0].Offset);
        Assert.False(otherTopic.Replayed);
    }

    [Fact]
    public async Task GetOrProduce_SameKeyOtherBody_Answers422AndDoesNotProduce()
    {
        var cache = Cache();
        await cache.GetOrProduceAsync("alice", "t", "k", s_body, () => Task.FromResult(Response(1)), default);

        var ex = await Assert.ThrowsAsync<GatewayException>(() =>
            cache.GetOrProduceAsync("alice", "t", "k", s_otherBody, () => throw new InvalidOperationException("must not produce"), default));

        Assert.Equal(422, ex.StatusCode);
        Assert.Equal("idempotency_key_reused", ex.Code);
    }

    [Fact]
    public async Task GetOrProduce_RetryWhileTheFirstIsInFlight_WaitsForItsAnswer()
    {
        var cache = Cache();
        var first = new TaskCompletionSource<ProduceResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstCall = cache.GetOrProduceAsync("alice", "t", "k", s_body, () => first.Task, default);

        var retry = cache.GetOrProduceAsync("alice", "t", "k", s_body, () => throw new InvalidOperationException("must not produce"), default);
        Assert.False(retry.IsCompleted);
        first.SetResult(Response(7));

        var answer = await retry.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(answer.Replayed);
        Assert.Equal(7, answer.Response.Records[0].Offset);
        Assert.False((await firstCall).Replayed);
    }

    [Fact]
    public async Task GetOrProduce_RetryWhileInFlightBeyondTheWaitBound_Answers409WithRetryAfter()
    {
        var cache = Cache(o => o.IdempotencyInFlightWaitMilliseconds = 0);
        var first = new TaskCompletionSource<ProduceResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = cache.GetOrProduceAsync("alice", "t", "k", s_body, () => first.Task, default);

        var ex = await Assert.ThrowsAsync<GatewayException>(() =>
            cache.GetOrProduceAsync("alice", "t", "k", s_body, () => throw new InvalidOperationException("must not produce"), default));

        Assert.Equal(409, ex.StatusCode);
        Assert.Equal("idempotency_in_progress", ex.Code);
        Assert.Equal(1, ex.RetryAfterSeconds);
        first.SetResult(Response(1));
    }

    [Theory]
    [InlineData(504, "delivery_timeout")]
    [InlineData(500, "partially_persisted")]
    [InlineData(404, "topic_not_found")]
    public async Task GetOrProduce_AnswerThatMayHaveWrittenOrIsDefinite_IsReplayedForTheWindowWithItsRecords(int status, string code)
    {
        var cache = Cache();
        var produced = 0;
        Task<ProduceResponse> Fail()
        {
            produced++;
            throw Failure(status, code);
        }

        await Assert.ThrowsAsync<GatewayException>(() => cache.GetOrProduceAsync("alice", "t", "k", s_body, Fail, default));
        _clock.Advance(TimeSpan.FromSeconds(299));
        var replay = await Assert.ThrowsAsync<GatewayException>(() => cache.GetOrProduceAsync("alice", "t", "k", s_body, Fail, default));

        Assert.Equal(1, produced);
        Assert.Equal(status, replay.StatusCode);
        Assert.Equal(code, replay.Code);
        Assert.Equal("true", replay.Headers[IdempotencyCache.ReplayedHeader]);
        Assert.Equal("possibly_persisted", Assert.Single(Assert.IsAssignableFrom<IReadOnlyList<RecordOutcome>>(replay.Extensions["records"])).Status);
    }

    [Fact]
    public async Task GetOrProduce_NothingWritten503_IsReplayedUntilRetryAfterThenTheRetryWrites()
    {
        var cache = Cache();
        var produced = 0;
        Task<ProduceResponse> Produce() => ++produced == 1 ? throw Failure(503, "kafka_unavailable", retryAfter: 5) : Task.FromResult(Response(3));

        await Assert.ThrowsAsync<GatewayException>(() => cache.GetOrProduceAsync("alice", "t", "k", s_body, Produce, default));
        _clock.Advance(TimeSpan.FromSeconds(2));
        var early = await Assert.ThrowsAsync<GatewayException>(() => cache.GetOrProduceAsync("alice", "t", "k", s_body, Produce, default));
        _clock.Advance(TimeSpan.FromSeconds(3));
        var later = await cache.GetOrProduceAsync("alice", "t", "k", s_body, Produce, default);
        var replayOfLater = await cache.GetOrProduceAsync("alice", "t", "k", s_body, Produce, default);

        Assert.Equal(503, early.StatusCode);
        Assert.Equal(3, early.RetryAfterSeconds);
        Assert.False(later.Replayed);
        Assert.True(replayOfLater.Replayed);
        Assert.Equal(2, produced);
    }

    [Fact]
    public async Task GetOrProduce_FailureBeforeAnythingReachedKafka_IsForgottenSoTheRetryWrites()
    {
        var cache = Cache();
        var produced = 0;
        Task<ProduceResponse> Produce() => ++produced == 1 ? throw new OperationCanceledException() : Task.FromResult(Response(1));

        await Assert.ThrowsAsync<OperationCanceledException>(() => cache.GetOrProduceAsync("alice", "t", "k", s_body, Produce, default));
        var retry = await cache.GetOrProduceAsync("alice", "t", "k", s_body, Produce, default);

        Assert.False(retry.Replayed);
        Assert.Equal(2, produced);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task GetOrProduce_AfterTheWindow_TheKeyWritesAgainAndItsMemoryIsReleased()
    {
        var cache = Cache(o => o.IdempotencyWindowSeconds = 10);
        var produced = 0;

        await cache.GetOrProduceAsync("alice", "t", "k", s_body, () => Task.FromResult(Response(++produced)), default);
        _clock.Advance(TimeSpan.FromSeconds(11));
        var again = await cache.GetOrProduceAsync("alice", "t", "k", s_body, () => Task.FromResult(Response(++produced)), default);

        Assert.False(again.Replayed);
        Assert.Equal(2, produced);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task GetOrProduce_MemoryBoundReached_NewKeysAnswer503CapacityAndRememberedKeysStillReplay()
    {
        // 8 KiB hold a handful of small answers; inside the window none may be forgotten to make room.
        var cache = Cache(o =>
        {
            o.MaxIdempotencyKilobytes = 8;
            o.IdempotencyWindowSeconds = 60;
        });
        var accepted = new List<string>();
        GatewayException? refused = null;
        for (var i = 0; i < 100 && refused is null; i++)
        {
            try
            {
                await cache.GetOrProduceAsync("alice", "t", $"key-{i}", s_body, () => Task.FromResult(Response(i)), default);
                accepted.Add($"key-{i}");
            }
            catch (GatewayException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(503, refused.StatusCode);
        Assert.Equal("idempotency_capacity", refused.Code);
        Assert.InRange(refused.RetryAfterSeconds!.Value, 1, 60);
        Assert.InRange(cache.Bytes, 1, 8 * 1024);
        Assert.True(accepted.Count >= 2, $"only {accepted.Count} key(s) fit");
        foreach (var key in accepted)
        {
            var replay = await cache.GetOrProduceAsync("alice", "t", key, s_body, () => throw new InvalidOperationException("forgotten: " + key), default);
            Assert.True(replay.Replayed);
        }

        // Once the window of the remembered answers ended, new keys are accepted again.
        _clock.Advance(TimeSpan.FromSeconds(61));
        var fresh = await cache.GetOrProduceAsync("alice", "t", "fresh", s_body, () => Task.FromResult(Response(0)), default);
        Assert.False(fresh.Replayed);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task GetOrProduce_ManyConcurrentRetriesOfOneKey_ProduceOnce()
    {
        var cache = Cache();
        var produced = 0;
        var gate = new TaskCompletionSource<ProduceResponse>(TaskCreationOptions.RunContinuationsAsynchronously);

        var calls = Enumerable.Range(0, 50)
            .Select(_ => Task.Run(() => cache.GetOrProduceAsync("alice", "t", "k", s_body, () =>
            {
                Interlocked.Increment(ref produced);
                return gate.Task;
            }, default)))
            .ToList();
        // Calls that start after the release get the remembered answer: once either way.
        gate.SetResult(Response(5));
        var answers = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, produced);
        Assert.Single(answers, a => !a.Replayed);
        Assert.All(answers, a => Assert.Equal(5, a.Response.Records[0].Offset));
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}

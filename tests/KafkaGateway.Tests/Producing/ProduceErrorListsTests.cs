using KafkaGateway.Producing;

namespace KafkaGateway.Tests.Producing;

/// <summary>
/// The reused problem list of produce requests: a list is held by one request at a time, and one that holds problems
/// belongs to the 422 answer that reports them, so it must never serve another request.
/// </summary>
public sealed class ProduceErrorListsTests
{
    [Fact]
    public void Return_AListWithProblems_IsNeverHandedToTheNextRequest()
    {
        var reported = ProduceErrorLists.Rent();
        reported.Add(new ProduceError(0, "$.value.id", "expected string, got number 1"));

        ProduceErrorLists.Return(reported);
        var next = ProduceErrorLists.Rent();

        Assert.NotSame(reported, next);
        Assert.Empty(next);
        // The answer still reads its own problem.
        Assert.Equal("$.value.id", Assert.Single(reported).Path);
    }

    [Fact]
    public void Rent_WithoutAReturnInBetween_GivesEachRequestAListOfItsOwn()
    {
        ProduceErrorLists.Return(ProduceErrorLists.Rent());

        var first = ProduceErrorLists.Rent();
        var second = ProduceErrorLists.Rent();

        Assert.NotSame(first, second);
    }

    [Fact]
    public void Return_AnEmptyList_ServesTheThreadsNextRequest()
    {
        var first = ProduceErrorLists.Rent();

        ProduceErrorLists.Return(first);

        Assert.Same(first, ProduceErrorLists.Rent());
    }

    [Fact]
    public void Return_AListThatOnceHeldManyProblems_IsNotKept()
    {
        var large = ProduceErrorLists.Rent();
        for (var i = 0; i < 100; i++)
        {
            large.Add(new ProduceError(i, "$", "problem"));
        }

        large.Clear();
        ProduceErrorLists.Return(large);

        Assert.NotSame(large, ProduceErrorLists.Rent());
    }
}

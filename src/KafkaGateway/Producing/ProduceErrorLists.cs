namespace KafkaGateway.Producing;

/// <summary>
/// The problem list of a produce request (<see cref="AdmittedBatch.Errors"/>), reused by the valid requests a thread
/// handles one after another: nearly every request ends with an empty list, which was a new object per request.
/// </summary>
/// <remarks>
/// Ownership is simple and one-way: a request rents a list, and only a request whose records are all encoded without a
/// problem gives it back, at the point where nothing of the request reads the list again (before its records are
/// queued). A list with problems is never given back: it becomes the 422 answer's <c>errors</c>. Each thread keeps at most
/// one list, so a list is held by one request at a time.
/// </remarks>
internal static class ProduceErrorLists
{
    [ThreadStatic]
    private static List<ProduceError>? t_free;

    /// <summary>An empty list owned by the caller until it gives it back with <see cref="Return"/> (or never).</summary>
    public static List<ProduceError> Rent()
    {
        var list = t_free;
        if (list is null)
        {
            return [];
        }

        t_free = null;
        return list;
    }

    /// <summary>
    /// Gives back <paramref name="list"/>, which its request will not read again; only an empty list is kept (one that
    /// holds problems belongs to the answer that reports them).
    /// </summary>
    public static void Return(List<ProduceError> list)
    {
        if (list.Count == 0 && list.Capacity <= MaxKeptCapacity)
        {
            t_free = list;
        }
    }

    // An empty list keeps its array: one that once held many problems is not kept.
    private const int MaxKeptCapacity = 16;
}

namespace KafkaGateway.Bench.Suites;

/// <summary>Alternating rounds of the arms being compared, so drift on a shared machine hits every arm alike.</summary>
internal static class Alternation
{
    /// <summary>Runs the arms <paramref name="rounds"/> times, the order reversed every other round (A B, B A, A B, ...).</summary>
    public static async Task<Dictionary<string, List<T>>> RunAsync<T>(int rounds, params (string Name, Func<Task<T>> Run)[] arms)
    {
        var results = arms.ToDictionary(a => a.Name, _ => new List<T>(), StringComparer.Ordinal);
        for (var round = 0; round < rounds; round++)
        {
            var order = round % 2 == 0 ? arms : arms.Reverse().ToArray();
            foreach (var (name, run) in order)
            {
                results[name].Add(await run());
            }
        }

        return results;
    }
}

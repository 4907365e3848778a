namespace KafkaGateway.Producing;

/// <summary>
/// The JSON paths of a batch's records (<c>$.records[i]</c>, <c>$[i]</c>) and of their values and keys, built once per
/// index instead of per record of every request: every record needs its path at hand for the problems it may have, and
/// building them was a string or two per record (~10 % of the bytes of a 100-record request). Bounded: indexes past
/// <see cref="Cached"/> get a new string each time, as before.
/// </summary>
internal static class RecordPaths
{
    /// <summary>How many indexes are kept (the default <c>Producer:MaxRecordsPerRequest</c> is 1,000).</summary>
    private const int Cached = 1024;

    // Written without a lock: a race writes the same text twice, and either copy is right.
    private static readonly string?[] s_records = new string?[Cached];
    private static readonly string?[] s_recordValues = new string?[Cached];
    private static readonly string?[] s_recordKeys = new string?[Cached];
    private static readonly string?[] s_values = new string?[Cached];

    /// <summary><c>$.records[index]</c>.</summary>
    public static string Record(int index) =>
        (uint)index < Cached ? s_records[index] ??= BuildRecord(index) : BuildRecord(index);

    /// <summary><c>$[index]</c> (a bare value of an array body).</summary>
    public static string Value(int index) =>
        (uint)index < Cached ? s_values[index] ??= BuildValue(index) : BuildValue(index);

    /// <summary><c>{path}.value</c> for a record at <paramref name="path"/> (as <see cref="Record"/> gave it, or <c>$</c>).</summary>
    public static string ValueOf(string path, int index) => Member(path, index, s_recordValues, ".value");

    /// <summary><c>{path}.key</c> for a record at <paramref name="path"/> (as <see cref="Record"/> gave it, or <c>$</c>).</summary>
    public static string KeyOf(string path, int index) => Member(path, index, s_recordKeys, ".key");

    private static string Member(string path, int index, string?[] cache, string member)
    {
        if (path == "$")
        {
            return member == ".value" ? "$.value" : "$.key";
        }

        // Only a path this class built for the index is the one cached for it.
        return (uint)index < Cached && ReferenceEquals(path, s_records[index])
            ? cache[index] ??= path + member
            : path + member;
    }

    private static string BuildRecord(int index) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"$.records[{index}]");

    private static string BuildValue(int index) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"$[{index}]");
}

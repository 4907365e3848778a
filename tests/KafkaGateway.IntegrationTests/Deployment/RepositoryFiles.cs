namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>Files of the repository the tests run from (found by walking up to KafkaGateway.sln).</summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "KafkaGateway.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"KafkaGateway.sln not found above {AppContext.BaseDirectory}.");
    });

    public static string Root => s_root.Value;

    public static string PathOf(params string[] relative) => Path.Combine([Root, .. relative]);
}

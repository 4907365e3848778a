namespace KafkaGateway.Tests;

/// <summary>The checkout the tests run in, for tests that read the sources or the README.</summary>
internal static class RepositoryPaths
{
    /// <summary>The folder holding KafkaGateway.sln above the test binaries.</summary>
    public static string Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "KafkaGateway.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"KafkaGateway.sln not found above {AppContext.BaseDirectory}.");
    }
}

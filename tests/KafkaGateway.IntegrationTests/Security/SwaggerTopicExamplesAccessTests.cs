using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Security;

/// <summary>
/// The OpenAPI document is anonymous, so the topics it offers for <c>topic</c> follow the caller's access: none for a
/// caller who may not list topics, and only the topics a caller holds a permission on.
/// </summary>
public sealed class SwaggerTopicExamplesAccessTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task SwaggerDocument_FetchedAnonymouslyOrByAReaderOfSomeTopics_OffersOnlyTheTopicsTheCallerMaySee()
    {
        // Arrange
        var visible = cluster.CreateTopic(1, "visible");
        var hidden = cluster.CreateTopic(1, "hidden");
        var settings = SecureGateway.ApiKeys(("reader", null));
        settings["Security:Authorization:Rules:0:Principal"] = "reader";
        settings["Security:Authorization:Rules:0:Topics:0"] = "visible-*";
        settings["Security:Authorization:Rules:0:Permissions:0"] = "consume";
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        using var anonymous = gateway.Client();
        using var reader = gateway.Client("reader");

        // Act
        var anonymousDocument = await anonymous.GetStringAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative));
        var readerDocument = await reader.GetStringAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative));

        // Assert
        Assert.DoesNotContain(visible, anonymousDocument, StringComparison.Ordinal);
        Assert.DoesNotContain(hidden, anonymousDocument, StringComparison.Ordinal);
        Assert.Contains("allowed to list topics", anonymousDocument, StringComparison.Ordinal);
        Assert.Contains(visible, readerDocument, StringComparison.Ordinal);
        Assert.DoesNotContain(hidden, readerDocument, StringComparison.Ordinal);
    }
}

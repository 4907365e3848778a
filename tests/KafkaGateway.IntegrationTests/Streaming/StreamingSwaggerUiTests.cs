using KafkaGateway.IntegrationTests.Deployment;
using KafkaGateway.IntegrationTests.Harness;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace KafkaGateway.IntegrationTests.Streaming;

/// <summary>Swagger UI's "Try it out" on the stream operation, in headless Chromium: with <c>until=end</c> it shows the events.</summary>
public sealed class StreamingSwaggerUiTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    private const string StreamOperationPath = "/topics/{topic}/stream";

    [Fact]
    public async Task SwaggerUi_TryItOutOnStreamFromEarliestUntilEnd_ShowsTheRecordsCaughtUpAndEnd()
    {
        var chromium = HeadlessChromium.ExecutablePath();
        var topic = cluster.CreateTopic(2);
        using (var producer = cluster.Producer())
        {
            await producer.ProduceTextAsync(topic, 0, "first-reading");
            await producer.ProduceTextAsync(topic, 1, "second-reading");
        }

        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        gateway.UseKestrel(0);
        gateway.StartServer();
        var address = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(HeadlessChromium.LaunchOptions(chromium));
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(20_000);

        await page.GotoAsync($"{address}/swagger");
        var operation = page.Locator(".opblock.opblock-get")
            .Filter(new LocatorFilterOptions { Has = page.Locator($".opblock-summary-path[data-path='{StreamOperationPath}']") });
        await operation.Locator(".opblock-summary").First.ClickAsync();
        await operation.Locator("button.try-out__btn").ClickAsync();
        await operation.Locator("tr[data-param-name='topic'] input").FillAsync(topic);
        await operation.Locator("tr[data-param-name='from'] input").FillAsync("earliest");
        await operation.Locator("tr[data-param-name='until'] input").FillAsync("end");
        await operation.Locator("button.execute").ClickAsync();
        var response = operation.Locator(".live-responses-table .response").First;
        var status = (await response.Locator(".response-col_status").InnerTextAsync()).Trim();
        var body = await response.Locator(".response-col_description").InnerTextAsync();

        Assert.Equal("200", status);
        Assert.Contains("first-reading", body, StringComparison.Ordinal);
        Assert.Contains("second-reading", body, StringComparison.Ordinal);
        Assert.Contains("event: caught-up", body, StringComparison.Ordinal);
        Assert.Contains("event: end", body, StringComparison.Ordinal);
    }
}

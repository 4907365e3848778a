using System.Text.Encodings.Web;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>
/// Swagger UI as a person uses it: headless Chromium on the gateway's real Kestrel port, "Try it out" and "Execute"
/// on the registry and produce operations, then Kafka itself is asked whether the record arrived.
/// </summary>
public sealed class SwaggerUiBrowserTests(KafkaClusterFixture cluster, ITestOutputHelper output) : IClassFixture<KafkaClusterFixture>
{
    private const string RegisterOperationPath = "/registry/subjects/{subject}/versions";
    private const string ProduceOperationPath = "/topics/{topic}/records";
    private const string BrowseOperationPath = "/topics/{topic}/records";
    private const string StreamOperationPath = "/topics/{topic}/stream";

    /// <summary>JSON as a person types it (README): inner quotes as \", not the serializer's default \u0022.</summary>
    private static readonly JsonSerializerOptions s_typedJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task SwaggerUi_RegisterSchemaThenProduceFromHeadlessChromium_ShowsOkAndRecordIsInKafka()
    {
        // Arrange
        var chromium = HeadlessChromium.ExecutablePath();
        var topic = cluster.CreateTopic(partitions: 3, prefix: "sensors");
        await using var gateway = GatewayFactory.For(cluster);
        gateway.UseKestrel(0);
        gateway.StartServer();
        var address = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(HeadlessChromium.LaunchOptions(chromium));
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        page.SetDefaultTimeout(15_000);
        var registrationBody = JsonSerializer.Serialize(new { schema = GatewayClusterFixture.SensorSchema }, s_typedJson);
        const string reading = """{"value": {"id": "s-browser", "timestamp": 1732270000000, "value": 21.5}}""";

        try
        {
            // Act
            await page.GotoAsync($"{address}/swagger");
            var register = await TryItOutAsync(page, "post", RegisterOperationPath);
            await register.Locator("tr[data-param-name='subject'] input").FillAsync($"{topic}-value");
            await register.Locator("textarea.body-param__text").FillAsync(registrationBody);
            var (registerStatus, registerResponse) = await ExecuteAsync(register);

            var produce = await TryItOutAsync(page, "post", ProduceOperationPath);
            await produce.Locator("tr[data-param-name='topic'] input").FillAsync(topic);
            await produce.Locator("textarea.body-param__text").FillAsync(reading);
            var (produceStatus, produceResponse) = await ExecuteAsync(produce);

            // Assert
            Assert.True(registerStatus == "200", $"registering in Swagger UI answered {registerStatus}: {registerResponse}");
            Assert.True(JsonDocument.Parse(registerResponse).RootElement.TryGetProperty("id", out var id) && id.GetInt32() > 0,
                $"the registration answer shown has no id: {registerResponse}");
            Assert.True(produceStatus == "200", $"producing in Swagger UI answered {produceStatus}: {produceResponse}");
            Assert.Contains("\"offset\"", produceResponse, StringComparison.Ordinal);
            Assert.Equal(1, RecordsInKafka(topic, partitions: 3));
        }
        finally
        {
            await SaveScreenshotsAsync(page);
        }
    }

    /// <summary>
    /// Swagger UI as a topic browser: the topic is picked from the cluster's topics the document offers, then browse
    /// and the stream (its example: from=earliest, until=end) show the topic's records on the page. With
    /// KAFKAGATEWAY_SCREENSHOT=docs/images/swagger-topics.png (relative to the repository) it also saves the Topics
    /// group as the README shows it.
    /// </summary>
    [Fact]
    public async Task SwaggerUi_PickTopicFromOfferedTopicsThenBrowseAndStreamUntilEnd_ShowsTheRecords()
    {
        // Arrange
        var chromium = HeadlessChromium.ExecutablePath();
        var topic = cluster.CreateTopic(partitions: 3, prefix: "sensors");
        await using var gateway = GatewayFactory.For(cluster);
        gateway.UseKestrel(0);
        gateway.StartServer();
        var address = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using (var client = new HttpClient { BaseAddress = new Uri(address) })
        {
            await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);
            using var produced = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), new StringContent(
                """{"records": [{"key": "s-1", "value": {"id": "s-1", "timestamp": 1732270000000, "value": 21.5}}, {"key": "s-2", "value": {"id": "s-2", "timestamp": 1732270001000, "value": 19.25}}]}""",
                System.Text.Encoding.UTF8, "application/json"));
            Assert.True(produced.IsSuccessStatusCode, await produced.Content.ReadAsStringAsync());
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(HeadlessChromium.LaunchOptions(chromium));
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        page.SetDefaultTimeout(20_000);

        // Act
        await page.GotoAsync($"{address}/swagger");
        var topicsGroup = page.Locator(".opblock-tag-section").Filter(new LocatorFilterOptions { Has = page.Locator("#operations-tag-Topics") });
        await topicsGroup.Locator(".opblock-summary-description").First.WaitForAsync();
        var firstTasks = (await topicsGroup.Locator(".opblock-summary-description").AllInnerTextsAsync()).Take(5).ToArray();
        var browse = await TryItOutAsync(page, "get", BrowseOperationPath);
        await PickTopicAsync(browse, topic);
        var (browseStatus, browseBody) = await ExecuteAsync(browse);
        var stream = await TryItOutAsync(page, "get", StreamOperationPath);
        await PickTopicAsync(stream, topic);
        var from = await stream.Locator("tr[data-param-name='from'] input").InputValueAsync();
        var until = await stream.Locator("tr[data-param-name='until'] input").InputValueAsync();
        await stream.Locator("button.execute").ClickAsync();
        var streamResponse = stream.Locator(".live-responses-table .response").First;
        var streamStatus = (await streamResponse.Locator(".response-col_status").InnerTextAsync()).Trim();
        var streamBody = await streamResponse.Locator(".response-col_description").InnerTextAsync();
        await SaveTopicsScreenshotAsync(page, browse, stream);

        // Assert
        string[] tasks = ["List topics", "Describe a topic", "Browse a topic", "Stream a topic", "Produce records"];
        Assert.True(firstTasks.Length == tasks.Length && tasks.Zip(firstTasks).All(p => p.Second.StartsWith(p.First, StringComparison.Ordinal)),
            "the Topics group starts with " + string.Join(" | ", firstTasks));
        Assert.True(browseStatus == "200", $"browse answered {browseStatus}: {browseBody}");
        Assert.Contains("\"s-1\"", browseBody, StringComparison.Ordinal);
        Assert.Contains("\"s-2\"", browseBody, StringComparison.Ordinal);
        Assert.Contains("\"end\": true", browseBody, StringComparison.Ordinal);
        Assert.Equal(("earliest", "end"), (from, until));
        Assert.Equal("200", streamStatus);
        Assert.Contains("event: record", streamBody, StringComparison.Ordinal);
        Assert.Contains("s-2", streamBody, StringComparison.Ordinal);
        Assert.Contains("event: end", streamBody, StringComparison.Ordinal);
    }

    /// <summary>Chooses <paramref name="topic"/> in the topic parameter's drop-down of offered topics; the field then holds it.</summary>
    private static async Task PickTopicAsync(ILocator operation, string topic)
    {
        var row = operation.Locator("tr[data-param-name='topic']");
        await row.Locator("select").First.SelectOptionAsync(topic);
        var chosen = await row.Locator("input").InputValueAsync();
        Assert.Equal(topic, chosen);
    }

    /// <summary>
    /// The Topics group with the browse and stream answers collapsed into view, into the file KAFKAGATEWAY_SCREENSHOT
    /// names (relative to the repository root); nothing when it is unset.
    /// </summary>
    private async Task SaveTopicsScreenshotAsync(IPage page, ILocator browse, ILocator stream)
    {
        var target = Environment.GetEnvironmentVariable("KAFKAGATEWAY_SCREENSHOT");
        if (string.IsNullOrEmpty(target))
        {
            return;
        }

        var file = Path.IsPathRooted(target) ? target : RepositoryFiles.PathOf(target);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        // The stream's answer stays open below the browse page; collapse the stream so the group fits one picture.
        await stream.Locator(".opblock-summary").First.ClickAsync();
        // From the group's heading down to the browse answer shown on the page (the documented answers below it are left out).
        var group = page.Locator(".opblock-tag-section").Filter(new LocatorFilterOptions { Has = page.Locator("#operations-tag-Topics") });
        var top = await group.BoundingBoxAsync();
        var answer = await browse.Locator(".live-responses-table .response").First.BoundingBoxAsync();
        Assert.True(top is not null && answer is not null, "the Topics group or the browse answer is not on the page");
        var scrollY = await page.EvaluateAsync<float>("() => window.scrollY");
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = file,
            FullPage = true,
            Clip = new Clip { X = top.X, Y = top.Y + scrollY, Width = top.Width, Height = answer.Y + answer.Height - top.Y },
        });
        output.WriteLine($"screenshot of the Topics group: {file}");
    }

    /// <summary>
    /// Into TestResults beside the test assembly: the whole page (over 10,000 pixels tall), and each exercised
    /// operation from its header down to the server response Swagger UI shows. Never masks the test's own failure.
    /// </summary>
    private async Task SaveScreenshotsAsync(IPage page)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(folder);
        try
        {
            var whole = Path.Combine(folder, $"{nameof(SwaggerUiBrowserTests)}-page.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = whole, FullPage = true });
            output.WriteLine($"screenshot: {whole}");
            foreach (var (name, path) in new[] { ("register", RegisterOperationPath), ("produce", ProduceOperationPath) })
            {
                var operation = Operation(page, "post", path);
                var top = await operation.BoundingBoxAsync(new LocatorBoundingBoxOptions { Timeout = 2_000 });
                var response = await operation.Locator(".live-responses-table").BoundingBoxAsync(new LocatorBoundingBoxOptions { Timeout = 2_000 });
                if (top is null || response is null)
                {
                    continue;
                }

                // Bounding boxes are relative to the scrolled viewport; a full-page clip is in page coordinates.
                var scrollY = await page.EvaluateAsync<float>("() => window.scrollY");
                var file = Path.Combine(folder, $"{nameof(SwaggerUiBrowserTests)}-{name}.png");
                await page.ScreenshotAsync(new PageScreenshotOptions
                {
                    Path = file,
                    FullPage = true,
                    Clip = new Clip { X = top.X, Y = top.Y + scrollY, Width = top.Width, Height = response.Y + response.Height - top.Y },
                });
                output.WriteLine($"screenshot: {file}");
            }
        }
        catch (Exception exception) when (exception is PlaywrightException or TimeoutException)
        {
            output.WriteLine($"screenshot failed: {exception.Message}");
        }
    }

    private static ILocator Operation(IPage page, string method, string path) =>
        page.Locator($".opblock.opblock-{method}")
            .Filter(new LocatorFilterOptions { Has = page.Locator($".opblock-summary-path[data-path='{path}']") });

    /// <summary>Expands the operation and presses "Try it out"; returns the operation's block.</summary>
    private static async Task<ILocator> TryItOutAsync(IPage page, string method, string path)
    {
        var operation = Operation(page, method, path);
        await operation.Locator(".opblock-summary").First.ClickAsync();
        await operation.Locator("button.try-out__btn").ClickAsync();
        return operation;
    }

    /// <summary>Presses "Execute" and reads the live response Swagger UI shows: status code and body text.</summary>
    private static async Task<(string Status, string Body)> ExecuteAsync(ILocator operation)
    {
        await operation.Locator("button.execute").ClickAsync();
        var response = operation.Locator(".live-responses-table .response");
        var status = (await response.Locator(".response-col_status").InnerTextAsync()).Trim();
        var body = await response.Locator(".response-col_description .microlight").First.InnerTextAsync();
        return (status, body);
    }

    /// <summary>Counts the topic's records from the partitions' watermarks, straight from Kafka.</summary>
    private long RecordsInKafka(string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(cluster.ClientConfig()) { GroupId = "swagger-ui-check" }).Build();
        return Enumerable.Range(0, partitions).Sum(partition =>
        {
            var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(5));
            return watermarks.High.Value - watermarks.Low.Value;
        });
    }
}

/// <summary>The system's Chromium (Debian's <c>chromium</c> package), driven by Playwright without its browser downloads.</summary>
internal static class HeadlessChromium
{
    private const string InstallHint =
        "Chromium is not installed; the Swagger UI browser test needs it. Install it with " +
        "`apt-get update && apt-get install -y chromium` (.ci/run does this when it is missing), " +
        "or set CHROMIUM_PATH to a Chromium or Chrome executable. Do not run `playwright install`.";

    /// <summary>CHROMIUM_PATH, else <c>chromium</c> on PATH; fails the test with how to install it when there is none.</summary>
    public static string ExecutablePath()
    {
        var configured = Environment.GetEnvironmentVariable("CHROMIUM_PATH");
        if (!string.IsNullOrEmpty(configured))
        {
            Assert.True(File.Exists(configured), $"CHROMIUM_PATH={configured} does not exist. {InstallHint}");
            return configured;
        }

        var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "chromium"))
            .FirstOrDefault(File.Exists);
        Assert.True(found is not null, InstallHint);
        return found;
    }

    public static BrowserTypeLaunchOptions LaunchOptions(string executablePath) => new()
    {
        ExecutablePath = executablePath,
        Headless = true,
        Timeout = 30_000,
        // Playwright gives each launch a fresh temporary --user-data-dir. The test needs only loopback. Even with background networking off, Chromium still resolves Google hosts
        // (autofill, accounts, update) that a closed network refuses; the resolver rule answers them locally instead.
        Args =
        [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ],
    };
}

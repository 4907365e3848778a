using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Controllers;

namespace KafkaGateway.ApiDocument;

/// <summary>
/// The groups of Swagger UI, in the order a user meets the tasks: topics first (list, describe, browse, stream,
/// produce, then administration), REST Proxy's compatibility API last.
/// </summary>
internal static class ApiTags
{
    public const string Topics = "Topics";
    public const string Schemas = "Schemas";
    public const string ConsumerGroups = "Consumer groups";
    public const string Cluster = "Cluster and brokers";
    public const string Operations = "Operations";
    public const string RestProxy = "REST Proxy v2";

    /// <summary>Tag names with their descriptions, in display order.</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> Ordered =
    [
        (Topics, "List, describe, browse, stream and produce; then create, configure and delete topics."),
        (Schemas, "The Confluent Schema Registry API under /registry: a topic's value schema lives under the subject {topic}-value."),
        (ConsumerGroups, "Consumer groups: commit a stream's progress, reset offsets, describe and delete."),
        (Cluster, "The Kafka cluster behind the gateway and its brokers."),
        (Operations, "Health probes and Prometheus metrics."),
        (RestProxy, "Confluent REST Proxy v2 produce API, for existing clients (switch the base URL)."),
    ];

    /// <summary>The user tasks of the Topics group in the order Swagger UI shows them; other operations follow.</summary>
    private static readonly string[] s_topicTaskOrder =
    [
        "Topics.ListTopics", "Topics.DescribeTopic", "TopicStream.Records", "TopicStream.Stream", "Produce.Produce",
        "Values.ProduceValues",
    ];

    /// <summary>The registry's areas in task order: subjects and their versions first, associations last.</summary>
    private static readonly string[] s_registryAreas = ["subjects", "schemas", "compatibility", "config", "associations"];

    /// <summary>Operation extension: the position of a Topics task (list, describe, browse, stream, produce).</summary>
    public const string TaskOrderExtension = "x-task-order";

    /// <summary>
    /// A Swagger UI plugin: Swagger UI lists a tag's operations in path order, which puts POST /topics between list and
    /// describe and DELETE beside describe; this sorts each group by <see cref="TaskOrderExtension"/> (stable, so
    /// operations without one keep the document's order after the tasks).
    /// </summary>
    public const string SwaggerUiTaskOrderPlugin = """
        (function () {
          return {
            statePlugins: {
              spec: {
                wrapSelectors: {
                  taggedOperations: function (ori, system) {
                    return function () {
                      var tagged = ori.apply(null, arguments);
                      if (typeof tagged === "function") { tagged = tagged(system); }
                      return tagged.map(function (tag) {
                        return tag.update("operations", function (ops) {
                          return ops.sortBy(function (op) {
                            var order = op.getIn(["operation", "x-task-order"]);
                            return order === undefined ? 1000 : order;
                          });
                        });
                      });
                    };
                  }
                }
              }
            }
          };
        })
        """;

    /// <summary>The position of <paramref name="operationId"/> among the Topics tasks, or -1.</summary>
    public static int TaskOrder(string operationId) => Array.IndexOf(s_topicTaskOrder, operationId);

    /// <summary>The tag of an operation: by controller for the REST Proxy, else by the first path segment.</summary>
    public static string Of(ApiDescription api)
    {
        if (api.ActionDescriptor is ControllerActionDescriptor { ControllerName: "RestProxyV2" })
        {
            return RestProxy;
        }

        var path = api.RelativePath ?? "";
        var first = path.Split('/', 2)[0];
        return first switch
        {
            "topics" => Topics,
            "registry" => Schemas,
            "consumer-groups" => ConsumerGroups,
            "cluster" or "brokers" => Cluster,
            _ => Operations,
        };
    }

    /// <summary>
    /// Sort key of an operation: its tag's position, the task order inside Topics, then its path and a method order
    /// that reads, then writes, then deletes. Swagger UI lists a tag's operations in the document's path order.
    /// </summary>
    public static string SortKey(ApiDescription api)
    {
        var tag = Ordered.Select((t, i) => (t.Name, i)).First(t => t.Name == Of(api)).i;
        var id = api.ActionDescriptor.AttributeRouteInfo?.Name ?? "";
        var task = Array.IndexOf(s_topicTaskOrder, id);
        var method = api.HttpMethod?.ToUpperInvariant() switch
        {
            "GET" => 0,
            "POST" => 1,
            "PUT" => 2,
            "PATCH" => 3,
            _ => 4,
        };
        var path = api.RelativePath ?? "";
        var area = path.StartsWith("registry/", StringComparison.Ordinal)
            ? Array.IndexOf(s_registryAreas, path.Split('/')[1]) switch { < 0 => 9, var i => i }
            : 0;
        return $"{tag}|{(task < 0 ? 9 : task)}|{area}|{path}|{method}";
    }
}

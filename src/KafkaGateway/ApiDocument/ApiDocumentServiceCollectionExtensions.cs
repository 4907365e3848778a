using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KafkaGateway.ApiDocument;

/// <summary>The OpenAPI document as Swagger UI shows it: groups in task order, live examples, health endpoints.</summary>
public static class ApiDocumentServiceCollectionExtensions
{
    /// <summary>Shapes the Swagger document (registered by the HTTP feature) for browsing topics in Swagger UI.</summary>
    public static WebApplicationBuilder AddApiDocument(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHttpContextAccessor();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LiveExamplesSource>();
        services.ConfigureSwaggerGen(options =>
        {
            // The endpoint name (Topics.CreateTopic) is the operation id: one name for access overrides, deep links and examples.
            options.CustomOperationIds(api => api.ActionDescriptor.AttributeRouteInfo?.Name ?? api.ActionDescriptor.DisplayName);
            options.TagActionsBy(api => [ApiTags.Of(api)]);
            options.OrderActionsBy(ApiTags.SortKey);
            options.DocumentAsyncFilter<ApiDocumentFilter>();
        });
        // Swagger UI lists the Topics tasks in task order rather than path order.
        services.Configure<Swashbuckle.AspNetCore.SwaggerUI.SwaggerUIOptions>(options =>
            options.ConfigObject.Plugins = [.. options.ConfigObject.Plugins ?? [], ApiTags.SwaggerUiTaskOrderPlugin]);
        return builder;
    }
}

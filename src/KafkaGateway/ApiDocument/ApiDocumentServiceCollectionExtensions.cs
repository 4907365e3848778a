using KafkaGateway.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KafkaGateway.ApiDocument;

/// <summary>The OpenAPI document as Swagger UI shows it: groups in task order, live examples, health endpoints.</summary>
public static class ApiDocumentServiceCollectionExtensions
{
    /// <summary>Shapes the Swagger document (registered by the HTTP feature) for browsing topics in Swagger UI.</summary>
    public static WebApplicationBuilder AddApiDocument(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
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

    /// <summary>
    /// Maps Swagger UI and the OpenAPI document. Swagger is an endpoint like any other, so its access is declared
    /// (anonymous; overridable by the endpoint name "swagger") instead of being middleware the authorization step
    /// cannot tell apart from a 404.
    /// </summary>
    public static WebApplication MapSwaggerUi(this WebApplication app)
    {
        var swagger = ((IEndpointRouteBuilder)app).CreateApplicationBuilder()
            .Use(DocumentRequest.Capture)
            .UseSwagger()
            .UseSwaggerUI(options =>
            {
                options.SwaggerEndpoint("/swagger/v1/swagger.json", "KafkaGateway v1");
                options.DocumentTitle = "KafkaGateway";
            })
            .Build();
        app.Map("/swagger/{**path}", swagger).WithName("swagger").RequireGatewayAccess(AccessKind.Anonymous).ExcludeFromDescription();
        return app;
    }
}

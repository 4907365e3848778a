using System.Reflection;
using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ModelBinding.Validation;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace KafkaGateway.Http;

/// <summary>Controllers, ProblemDetails, validation and the Swagger generator (the document is shaped and served by ApiDocument).</summary>
public static class HttpServiceCollectionExtensions
{
    /// <summary>Adds the HTTP surface shared by every feature.</summary>
    public static WebApplicationBuilder AddGatewayHttp(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Bodies the framework writes itself (status-code pages: 404 route, 405, 415) get the catalogue code of their status.
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            GatewayProblemWriter.Complete(context.ProblemDetails, context.HttpContext));
        services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        services.AddValidatorsFromAssemblyContaining<ProblemDetailsExceptionHandler>(includeInternalTypes: true);

        // JsonElement bodies (produce) are parsed into pooled memory; everything else uses MVC's JSON formatter.
        services.AddControllers(options =>
            {
                options.InputFormatters.Insert(0, new PooledJsonElementInputFormatter());
                // A JsonElement body is validated by the gateway (Avro schema, request shape), not by walking it with
                // MVC's validation visitor on every request.
                options.ModelMetadataDetailsProviders.Add(new SuppressChildValidationMetadataProvider(typeof(JsonElement)));
                ModelStateFilters.Configure(options);
            })
            .ConfigureApiBehaviorOptions(options => options.InvalidModelStateResponseFactory = context =>
            {
                // Malformed JSON or wrongly typed members: same ProblemDetails shape as validator failures.
                var errors = context.ModelState
                    .Where(entry => entry.Value is { Errors.Count: > 0 })
                    .SelectMany(entry => entry.Value!.Errors.Select(error => new FluentValidation.Results.ValidationFailure(
                        entry.Key, string.IsNullOrEmpty(error.ErrorMessage) ? "The value is invalid." : error.ErrorMessage)));
                return new GatewayProblemResult(ValidationProblems.ToException(errors));
            });

        // Controllers whose constructors take only singletons are built without a request service scope.
        services.TryAddSingleton(new ControllerDependencyLifetimes(services));
        services.Replace(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Mvc.Controllers.IControllerActivatorProvider, RootControllerActivation>());

        // Values without validators skip MVC's validation visitor (see GatewayObjectModelValidator).
        services.Replace(ServiceDescriptor.Singleton<IObjectModelValidator>(provider => new GatewayObjectModelValidator(
            provider.GetRequiredService<IModelMetadataProvider>(), provider.GetRequiredService<IOptions<MvcOptions>>().Value)));

        services.TryAddEnumerable(ServiceDescriptor.Transient<Microsoft.AspNetCore.Mvc.ApplicationModels.IApplicationModelProvider, ModelStateFilters>());
        // The invoker walks an action's filter list at every stage of every request: API-description metadata leaves it.
        services.TryAddEnumerable(ServiceDescriptor.Transient<Microsoft.AspNetCore.Mvc.Abstractions.IActionDescriptorProvider, ApiMetadataFilters>());

        services.AddEndpointsApiExplorer();
        // Actions that read their request themselves are described by the parameters of a describing method.
        services.TryAddEnumerable(ServiceDescriptor.Transient<Microsoft.AspNetCore.Mvc.ApiExplorer.IApiDescriptionProvider, DescribedParametersProvider>());
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "KafkaGateway",
                Version = "v1",
                Description = "Apache Kafka behind HTTPS: produce JSON as Avro, stream topics as server-sent events, " +
                    "administer topics, consumer groups and schemas.",
            });
            options.OperationFilter<RequestExampleOperationFilter>();
            var xml = Path.Combine(AppContext.BaseDirectory, $"{Assembly.GetExecutingAssembly().GetName().Name}.xml");
            if (File.Exists(xml))
            {
                options.IncludeXmlComments(xml, includeControllerXmlComments: true);
            }
        });
        return builder;
    }
}

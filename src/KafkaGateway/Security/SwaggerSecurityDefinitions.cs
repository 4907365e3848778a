using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace KafkaGateway.Security;

/// <summary>Swagger UI's "Authorize" dialog offers the configured schemes (any one of them satisfies a request).</summary>
internal static class SwaggerSecurityDefinitions
{
    public static void Configure(SwaggerGenOptions swagger, GatewayAuthenticationOptions authentication)
    {
        if (authentication.ApiKeys.Count > 0)
        {
            Add(swagger, ApiKeyAuthenticationHandler.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "An API key (also accepted as 'Authorization: ApiKey <key>' or HTTP Basic with the key's name and the key).",
            });
        }

        if (authentication.Jwt.IsEnabled)
        {
            Add(swagger, JwtBearerSetup.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A bearer token from the configured issuer.",
            });
        }
    }

    private static void Add(SwaggerGenOptions swagger, string name, OpenApiSecurityScheme scheme)
    {
        swagger.AddSecurityDefinition(name, scheme);
        swagger.AddSecurityRequirement(document => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(name, document)] = [] });
    }
}

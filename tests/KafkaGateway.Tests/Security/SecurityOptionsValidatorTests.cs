using KafkaGateway.Security;

namespace KafkaGateway.Tests.Security;

public sealed class SecurityOptionsValidatorTests
{
    [Theory]
    [InlineData("https://console.example.com")]
    [InlineData("http://localhost:3000")]
    [InlineData("*")]
    public void Validate_CorsOrigin_IsAccepted(string origin)
    {
        var result = new SecurityOptionsValidator().Validate(null, WithOrigin(origin));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("console.example.com")]
    [InlineData("https://console.example.com/")]
    [InlineData("https://console.example.com/app")]
    [InlineData("ftp://console.example.com")]
    public void Validate_CorsOriginNotAnOrigin_FailsNamingTheKeyAndValue(string origin)
    {
        var result = new SecurityOptionsValidator().Validate(null, WithOrigin(origin));

        Assert.True(result.Failed);
        Assert.Contains($"Security:Cors:AllowedOrigins: '{origin}' is not an origin", result.FailureMessage, StringComparison.Ordinal);
    }

    private static SecurityOptions WithOrigin(string origin) =>
        new() { AllowAnonymous = true, Cors = new CorsSettings { AllowedOrigins = [origin] } };
}

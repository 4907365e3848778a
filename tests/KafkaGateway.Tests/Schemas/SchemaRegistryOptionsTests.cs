using KafkaGateway.Schemas;
using KafkaGateway.Tests.Security;
using KafkaGateway.Tests.Tls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Tests.Schemas;

public sealed class SchemaRegistryOptionsTests
{
    public static TheoryData<string, Dictionary<string, string?>, string> InvalidSettings() => new()
    {
        { "not a URL", new() { ["SchemaRegistry:Url"] = "registry:8081" }, "SchemaRegistry:Url entry 'registry:8081' is not an absolute http:// or https:// URL" },
        { "ftp URL", new() { ["SchemaRegistry:Url"] = "ftp://registry" }, "SchemaRegistry:Url entry 'ftp://registry' is not an absolute http:// or https:// URL" },
        { "empty entry", new() { ["SchemaRegistry:Url"] = "http://a:8081,,http://b:8081" }, "SchemaRegistry:Url has an empty entry" },
        { "credentials in URL", new() { ["SchemaRegistry:Url"] = "https://u:p@registry" }, "SchemaRegistry:Url must not contain credentials" },
        { "query in URL", new() { ["SchemaRegistry:Url"] = "https://registry/?x=1" }, "SchemaRegistry:Url entry 'https://registry/' must not have a query" },
        {
            "both basic-auth forms",
            new() { ["SchemaRegistry:BasicAuthUserInfo"] = "u:p", ["SchemaRegistry:BasicAuthUsername"] = "u", ["SchemaRegistry:BasicAuthPassword"] = "p" },
            "SchemaRegistry:BasicAuthUserInfo and SchemaRegistry:BasicAuthUsername/SchemaRegistry:BasicAuthPassword are both set"
        },
        { "user info without colon", new() { ["SchemaRegistry:BasicAuthUserInfo"] = "user" }, "SchemaRegistry:BasicAuthUserInfo must have the form user:password." },
        { "user name alone", new() { ["SchemaRegistry:BasicAuthUsername"] = "u" }, "SchemaRegistry:BasicAuthUsername and SchemaRegistry:BasicAuthPassword must be set together." },
        { "bearer and basic", new() { ["SchemaRegistry:BearerToken"] = "t", ["SchemaRegistry:BasicAuthUserInfo"] = "u:p" }, "SchemaRegistry:BearerToken and basic authentication are both set" },
        { "timeout zero", new() { ["SchemaRegistry:RequestTimeoutSeconds"] = "0" }, "SchemaRegistry:RequestTimeoutSeconds must be between 1 and 300 (was 0)." },
        { "retries", new() { ["SchemaRegistry:MaxRetries"] = "11" }, "SchemaRegistry:MaxRetries must be between 0 and 10 (was 11)." },
        { "negative TTL", new() { ["SchemaRegistry:LatestCacheTtlSeconds"] = "-1" }, "SchemaRegistry:LatestCacheTtlSeconds must be between 0 and 86400 (was -1)." },
        { "cache size", new() { ["SchemaRegistry:MaxCachedSchemas"] = "0" }, "SchemaRegistry:MaxCachedSchemas must be between 1 and 1000000 (was 0)." },
        { "strategy number", new() { ["SchemaRegistry:KeySubjectNameStrategy"] = "7" }, "SchemaRegistry:KeySubjectNameStrategy must be one of TopicName, RecordName, TopicRecordName (was 7)." },
        { "missing CA file", new() { ["SchemaRegistry:Tls:CaLocation"] = "/nonexistent/ca.pem" }, "SchemaRegistry:Tls:CaLocation file '/nonexistent/ca.pem' does not exist" },
        // The built-in registry's keys share the section, and since issue 16 the class and its one validator.
        { "topic name", new() { ["SchemaRegistry:Topic"] = "schemas/v1" }, "SchemaRegistry:Topic = 'schemas/v1' is not a Kafka topic name" },
        { "reserved topic name", new() { ["SchemaRegistry:ReservedTopics:0"] = "_confluent_schemas", ["SchemaRegistry:ReservedTopics:1"] = "a b" }, "SchemaRegistry:ReservedTopics:1 = 'a b' is not a Kafka topic name" },
        { "compatibility", new() { ["SchemaRegistry:DefaultCompatibility"] = "SIDEWAYS" }, "SchemaRegistry:DefaultCompatibility must be one of NONE, BACKWARD" },
        { "schema length", new() { ["SchemaRegistry:MaxSchemaLength"] = "100" }, "SchemaRegistry:MaxSchemaLength must be between 1024 and 16777216 (was 100)." },
        { "forward timeout", new() { ["SchemaRegistry:ForwardTimeoutSeconds"] = "0" }, "SchemaRegistry:ForwardTimeoutSeconds must be between 1 and 300 (was 0)." },
        { "key without certificate", new() { ["SchemaRegistry:Tls:KeyLocation"] = "/nonexistent/k.pem" }, "SchemaRegistry:Tls:KeyLocation is set without SchemaRegistry:Tls:CertificateLocation." },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Options_InvalidSetting_FailNamingTheKey(string because, Dictionary<string, string?> settings, string expected)
    {
        using var services = RegistryClientTestServices.Build(settings.GetValueOrDefault("SchemaRegistry:Url") ?? "https://registry:8081", settings);

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value);

        Assert.True(error.Failures.Any(f => f.Contains(expected, StringComparison.Ordinal)),
            $"{because}: expected '{expected}' in: {string.Join(" | ", error.Failures)}");
    }

    [Fact]
    public void Options_CredentialsInUrl_AreNotEchoed()
    {
        using var services = RegistryClientTestServices.Build("https://gw:hunter2@registry");

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value);

        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_TlsWithHttpUrl_Fails()
    {
        var ca = Path.GetTempFileName();
        try
        {
            using var services = RegistryClientTestServices.Build("http://registry:8081",
                new Dictionary<string, string?> { ["SchemaRegistry:Tls:CaLocation"] = ca });

            var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value);

            Assert.Contains("SchemaRegistry:Tls settings are present but SchemaRegistry:Url has an http:// entry", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(ca);
        }
    }

    [Fact]
    public void Options_KeytoolJksKeyStoreAndTrustStore_AreValid()
    {
        // The committed keytool-made stores of the Kafka TLS tests: the registry client reads them with the same loader.
        using var services = RegistryClientTestServices.Build("https://registry:8081", new Dictionary<string, string?>
        {
            ["SchemaRegistry:Tls:KeyStoreLocation"] = TlsTestData.PathOf("keystore.jks"),
            ["SchemaRegistry:Tls:KeyStorePassword"] = TlsTestData.StorePassword,
            ["SchemaRegistry:Tls:TrustStoreLocation"] = TlsTestData.PathOf("truststore.jks"),
            ["SchemaRegistry:Tls:TrustStorePassword"] = TlsTestData.StorePassword,
        });

        var options = services.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value;

        Assert.Equal(TlsTestData.PathOf("keystore.jks"), options.Tls.KeyStoreLocation);
    }

    [Theory]
    [InlineData("KeyStore", "keystore.jks", "SchemaRegistry:Tls:KeyStorePassword: wrong password for")]
    [InlineData("TrustStore", "truststore.jks", "SchemaRegistry:Tls:TrustStorePassword: wrong password for")]
    public void Options_JksWithWrongPassword_FailsNamingTheRegistryKey(string store, string file, string expected)
    {
        using var services = RegistryClientTestServices.Build("https://registry:8081", new Dictionary<string, string?>
        {
            [$"SchemaRegistry:Tls:{store}Location"] = TlsTestData.PathOf(file),
            [$"SchemaRegistry:Tls:{store}Password"] = "wrong-secret-5150",
        });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-5150", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_KeyOfAnotherCertificate_FailsAtStart()
    {
        using var services = RegistryClientTestServices.Build("https://registry:8081", new Dictionary<string, string?>
        {
            ["SchemaRegistry:Tls:CertificateLocation"] = TlsTestData.PathOf("client.crt"),
            ["SchemaRegistry:Tls:KeyLocation"] = TlsTestData.PathOf("mismatched.key"),
        });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value);

        Assert.Contains("SchemaRegistry:Tls:KeyLocation: the private key does not match the client certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_Defaults_AreValidAndBindStrategiesByName()
    {
        using var services = RegistryClientTestServices.Build("https://a:8081, https://b:8081/", new Dictionary<string, string?>
        {
            ["SchemaRegistry:RequestTimeoutSeconds"] = null,
            ["SchemaRegistry:RetryBackoffMilliseconds"] = null,
            ["SchemaRegistry:ValueSubjectNameStrategy"] = "topicrecordname",
        });

        var options = services.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value;

        Assert.Equal((5, 2, 60, 1000), (options.RequestTimeoutSeconds, options.MaxRetries, options.LatestCacheTtlSeconds, options.MaxCachedSchemas));
        Assert.Equal(SubjectNameStrategyKind.TopicRecordName, options.SubjectNameStrategyFor(isKey: false));
        Assert.Equal(SubjectNameStrategyKind.TopicName, options.SubjectNameStrategyFor(isKey: true));
        Assert.Equal([new Uri("https://a:8081/"), new Uri("https://b:8081/")], options.BaseUrls);
        Assert.True(options.Tls.EnableHostnameVerification);
    }

    [Fact]
    public void Options_CommaSeparatedFailoverList_IsValidForTheWholeSection()
    {
        using var services = RegistryClientTestServices.Build("https://a:8081, https://b:8081", new Dictionary<string, string?>
        {
            ["SchemaRegistry:ForwardTimeoutSeconds"] = "10",
        });

        var options = services.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value;

        Assert.True(options.UsesExternalRegistry);
        Assert.Equal(2, options.BaseUrls.Count);
        Assert.Equal(("_schemas", "BACKWARD", 262_144, 10), (options.Topic, options.DefaultCompatibility, options.MaxSchemaLength, options.ForwardTimeoutSeconds));
    }

    [Fact]
    public void ToString_RedactsEverySecret()
    {
        var options = new SchemaRegistryOptions
        {
            Url = "https://registry",
            BasicAuthUserInfo = "u:userinfo-secret",
            BasicAuthUsername = "u",
            BasicAuthPassword = "password-secret",
            BearerToken = "bearer-secret",
            Tls = new SchemaRegistryTlsOptions { KeyPassword = "key-secret", KeyStorePassword = "store-secret", KeyLocation = "/k.pem" },
        };

        var text = options.ToString();

        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
        Assert.Contains("BearerToken = ***", text, StringComparison.Ordinal);
        Assert.Contains("KeyLocation = /k.pem", text, StringComparison.Ordinal);
        Assert.Contains("Url = https://registry", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AddSchemaRegistryClient_WithoutUrl_LeavesTheISchemaRegistryChoiceToAddSchemaRegistry()
    {
        using var services = RegistryClientTestServices.Build(url: "");

        Assert.Null(services.GetService<ISchemaRegistry>());
        Assert.False(services.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value.UsesExternalRegistry);
    }

    [Fact]
    public void AddSchemaRegistryClient_WithUrl_RegistersCachingOverHttpClientOnce()
    {
        using var services = RegistryClientTestServices.Build("https://registry:8081");

        var registry = services.GetRequiredService<CachingSchemaRegistry>();

        Assert.True(services.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value.UsesExternalRegistry);
        Assert.Same(registry, services.GetRequiredService<CachingSchemaRegistry>());
    }
}

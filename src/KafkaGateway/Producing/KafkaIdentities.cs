using System.Security.Claims;
using KafkaGateway.Kafka;
using KafkaGateway.Security;
using KafkaGateway.Tls;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>
/// <c>Kafka:Identities:&lt;principal&gt;</c>: Kafka TLS credentials per gateway principal (same keys as
/// <c>Kafka:Tls</c>). Configuration keys cannot contain ':', so the principal <c>apikey:alice</c> is written
/// <c>apikey.alice</c> (<c>cert.</c>, <c>jwt.</c> likewise); a bare <c>alice</c> only while one authentication
/// scheme is configured (<see cref="PrincipalNames"/>). A principal with an identity produces with its own certificate, so the brokers' ACLs apply to
/// it; everybody else uses the gateway's own (<c>Kafka:Tls</c>, identity <c>default</c>).
/// </summary>
public sealed class KafkaIdentityOptions() : Dictionary<string, KafkaTlsOptions>(StringComparer.Ordinal)
{
    /// <summary>
    /// The configuration section: the dictionary itself, by principal name. Its own section (not a property of
    /// <see cref="KafkaGateway.Kafka.KafkaOptions"/>) so that every key of <c>Kafka</c> has one owner.
    /// </summary>
    public const string SectionName = "Kafka:Identities";

    /// <summary>The identity of the gateway's own credentials (same value as the producer pool's default).</summary>
    public const string DefaultIdentity = "default";
}

/// <summary>Loads every configured identity's material at start-up; a bad one fails the start naming its key.</summary>
public sealed class KafkaIdentities
{
    private readonly Dictionary<string, KafkaTlsMaterial> _material = new(StringComparer.Ordinal);

    private readonly bool _bareNames;

    public KafkaIdentities(IOptions<KafkaIdentityOptions> options, IOptions<SecurityOptions> security, TimeProvider time)
    {
        _bareNames = PrincipalNames.BareNamesAllowed(security.Value.Authentication);
        foreach (var (name, tls) in options.Value)
        {
            _material[name] = Load(name, tls, time);
        }
    }

    /// <summary>Names of the configured identities.</summary>
    public IReadOnlyCollection<string> Names => _material.Keys;

    /// <summary>The Kafka identity requests of <paramref name="user"/> produce with.</summary>
    public string For(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity is { IsAuthenticated: true, Name: { } name })
        {
            foreach (var identity in _material.Keys)
            {
                if (PrincipalNames.Matches(identity, name, _bareNames, separator: '.'))
                {
                    return identity;
                }
            }
        }

        return KafkaIdentityOptions.DefaultIdentity;
    }

    /// <summary>The TLS material of <paramref name="identity"/>; null for the default identity.</summary>
    public KafkaTlsMaterial? MaterialOf(string identity) => _material.GetValueOrDefault(identity);

    internal static KafkaTlsMaterial Load(string name, KafkaTlsOptions tls, TimeProvider time)
    {
        if (name == KafkaIdentityOptions.DefaultIdentity)
        {
            throw new TlsConfigurationException($"Kafka:Identities:{name}", "'default' is the gateway's own identity (Kafka:Tls); choose the principal's name");
        }

        // Errors name the identity's own keys (Kafka:Identities:<name>:KeyPem), in the key and in the advice.
        return KafkaTlsMaterialLoader.Load(tls with { Enabled = true }, time, $"Kafka:Identities:{name}");
    }
}

/// <summary>Loads each identity once at start so a bad one stops the host.</summary>
internal sealed class KafkaIdentityOptionsValidator(TimeProvider time, IOptions<SecurityOptions> security) : IValidateOptions<KafkaIdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaIdentityOptions options)
    {
        var failures = new List<string>();
        var bareNames = PrincipalNames.BareNamesAllowed(security.Value.Authentication);
        foreach (var (identity, tls) in options)
        {
            if (!bareNames && !PrincipalNames.IsQualified(identity, '.'))
            {
                failures.Add($"Kafka:Identities:{identity}: the name has no scheme, and several authentication schemes are configured; " +
                    $"write {PrincipalNames.ApiKey}.{identity}, {PrincipalNames.Certificate}.{identity} or {PrincipalNames.Jwt}.{identity}.");
            }

            try
            {
                using var material = KafkaIdentities.Load(identity, tls, time);
            }
            catch (TlsConfigurationException ex)
            {
                failures.Add(ex.Message);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

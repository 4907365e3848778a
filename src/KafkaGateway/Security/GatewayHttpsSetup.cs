using KafkaGateway.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Security;

/// <summary>
/// The gateway's contributions to Kestrel's HTTPS defaults: the reloading server certificate, and a client
/// certificate request when client certificates are configured.
/// </summary>
internal sealed class GatewayHttpsSetup(ReloadingServerCertificate serverCertificate, IConfiguration configuration)
    : IConfigureOptions<HttpsConnectionAdapterOptions>
{
    public void Configure(HttpsConnectionAdapterOptions options)
    {
        if (serverCertificate.Current is not null)
        {
            options.ServerCertificateSelector = (_, _) => serverCertificate.Current;
        }

        ClientCertificateAuthentication.ConfigureHttps(options, configuration);
    }
}

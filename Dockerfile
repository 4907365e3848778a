# syntax=docker/dockerfile:1
# Build and publish (no tests) with the SDK, run on the ASP.NET runtime image as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig appsettings*.json ./
COPY src/KafkaGateway/KafkaGateway.csproj src/KafkaGateway/
RUN dotnet restore src/KafkaGateway/KafkaGateway.csproj
COPY src/ src/
RUN dotnet publish src/KafkaGateway/KafkaGateway.csproj -c Release -o /app --no-restore /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# librdkafka.redist's default linux build links libsasl2.so.3 (the RHEL soname). Debian/Ubuntu ship the same
# Cyrus SASL ABI as libsasl2.so.2; with the link in place the default librdkafka.so loads instead of the
# centos8 fallback. curl serves the HEALTHCHECK.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsasl2-2 curl ca-certificates \
 && ln -s "$(find / -name 'libsasl2.so.2' -print -quit)" /usr/lib/x86_64-linux-gnu/libsasl2.so.3 || true \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
# Writable state lives in /data (mounted as a volume); the root filesystem may be read-only.
ENV Gateway__DataDirectory=/data \
    ASPNETCORE_URLS=https://+:8443 \
    DOTNET_gcServer=0
VOLUME ["/data"]
EXPOSE 8443
USER $APP_UID
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsk https://localhost:8443/health/live || exit 1
ENTRYPOINT ["dotnet", "KafkaGateway.dll"]

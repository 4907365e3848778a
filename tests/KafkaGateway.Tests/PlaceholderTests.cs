namespace KafkaGateway.Tests;

using System.Diagnostics.CodeAnalysis;

// Confluent's registry API and its _schemas records name a schema's (and an association's) globally unique id
// "guid"; the gateway's members mirror that name so the contracts read like Confluent's documentation.
[assembly: SuppressMessage("Naming", "CA1720:Identifier contains type name", Scope = "namespaceanddescendants",
    Target = "~N:KafkaGateway.Schemas", Justification = "Confluent's registry API calls the schema's GUID 'guid'.")]

using System.Diagnostics.CodeAnalysis;

// main (ed32347) does not build: CA1720 flags TopicFormat.String. The member name is the wire-level format name
// users configure ("string"), so it is suppressed rather than renamed. Drop this file once main fixes it.
[assembly: SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Configured format name.", Scope = "member", Target = "~F:KafkaGateway.Schemas.TopicFormat.String")]

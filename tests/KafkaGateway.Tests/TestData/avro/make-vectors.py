#!/usr/bin/python3
"""Regenerates vectors.json: golden Avro encodings produced by the Apache Avro Python library, not by our code.

Run with Debian's python3-avro (1.11.1): apt-get install -y python3-avro && /usr/bin/python3 make-vectors.py

Each case holds the schema, the natural JSON the gateway receives ("input"), the Avro datum the Python library
encodes ("datum" below, never written out), the resulting bytes ("hex") and the natural JSON the gateway must
decode those bytes to ("decoded"; omitted when equal to "input"). "wireSchemaId" cases prefix the Confluent header.
Python's decimal writer does not rescale (Decimal("12.3") at scale 2 would be written as 123), so decimal datums are
given already quantized to the scale; and it pads some negative powers of two with an extra 0xFF byte that Java's
BigInteger.toByteArray() would not write, so those values are avoided here and covered by hand-computed unit tests.
"""
import datetime
import decimal
import io
import json
import struct

import avro.io
import avro.schema

UTC = datetime.timezone.utc
D = decimal.Decimal
SOURCE = "python3-avro 1.11.1 (Debian bookworm) avro.io.DatumWriter via make-vectors.py"

SENSOR = {"type": "record", "name": "sensor", "fields": [
    {"name": "timestamp", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "id", "type": "string"},
    {"name": "value", "type": "double"}]}

cases = []


def case(name, schema, datum, input_json, decoded=None, wire_schema_id=None, note=None):
    cases.append((name, schema, datum, input_json, decoded, wire_schema_id, note))


# The gateway's headline record, as a client posts it.
case("sensor record", SENSOR,
     {"timestamp": datetime.datetime.fromtimestamp(1732270000, UTC), "id": "s-1", "value": 21.5},
     {"id": "s-1", "timestamp": 1732270000000, "value": 21.5},
     decoded={"timestamp": 1732270000000, "id": "s-1", "value": 21.5})
case("sensor record in Confluent wire format, schema id 42", SENSOR,
     {"timestamp": datetime.datetime.fromtimestamp(1732270000, UTC), "id": "s-1", "value": 21.5},
     {"id": "s-1", "timestamp": 1732270000000, "value": 21.5},
     decoded={"timestamp": 1732270000000, "id": "s-1", "value": 21.5}, wire_schema_id=42)
case("sensor record with ISO-8601 timestamp", SENSOR,
     {"timestamp": datetime.datetime.fromtimestamp(1732270000, UTC), "id": "s-1", "value": 21.5},
     {"id": "s-1", "timestamp": "2024-11-22T10:06:40Z", "value": 21.5},
     decoded={"timestamp": 1732270000000, "id": "s-1", "value": 21.5})

# Primitives.
case("null", "null", None, None)
case("boolean true", "boolean", True, True)
case("boolean false", "boolean", False, False)
for n in [0, -1, 1, 63, -64, 64, -65, 300, 2147483647, -2147483648]:
    case(f"int {n}", "int", n, n)
for n in [0, 1, -1, 2147483648, 9223372036854775807, -9223372036854775808]:
    case(f"long {n}", "long", n, n)
for f in [0.0, 3.5, -0.25, 0.1]:
    case(f"float {f!r}", "float", f, f)
# The decoder prints the shortest text that round-trips the float, not the double it was given.
case("float max", "float", 3.4028234663852886e38, 3.4028234663852886e38, decoded=3.4028235e38)
for f in [0.0, 21.5, -1e-300, 1.7976931348623157e308]:
    case(f"double {f!r}", "double", f, f)
case("bytes", "bytes", b"\x00\x01\x02\xff", "AAEC/w==")
case("bytes empty", "bytes", b"", "")
case("string ascii", "string", "s-1", "s-1")
case("string empty", "string", "", "")
case("string non-ascii", "string", "h\u00e9llo \u20ac \U0001F600", "h\u00e9llo \u20ac \U0001F600")
case("string with JSON escapes", "string", "a\"b\\c\nd", "a\"b\\c\nd")

# Complex types.
NESTED = {"type": "record", "name": "outer", "namespace": "com.acme", "fields": [
    {"name": "name", "type": "string"},
    {"name": "inner", "type": {"type": "record", "name": "inner", "fields": [
        {"name": "a", "type": "int"},
        {"name": "b", "type": ["null", "string"]}]}},
    {"name": "again", "type": "inner"}]}
case("nested records with a named type reused", NESTED,
     {"name": "n", "inner": {"a": 1, "b": "x"}, "again": {"a": -2, "b": None}},
     {"name": "n", "inner": {"a": 1, "b": "x"}, "again": {"a": -2, "b": None}})
case("array of int", {"type": "array", "items": "int"}, [1, 2, 3], [1, 2, 3])
case("array empty", {"type": "array", "items": "int"}, [], [])
READINGS = {"type": "record", "name": "batch", "fields": [
    {"name": "readings", "type": {"type": "array", "items": SENSOR}}]}
case("array of records", READINGS,
     {"readings": [{"timestamp": datetime.datetime.fromtimestamp(1, UTC), "id": "a", "value": 1.0},
                   {"timestamp": datetime.datetime.fromtimestamp(2, UTC), "id": "b", "value": 2.0}]},
     {"readings": [{"timestamp": 1000, "id": "a", "value": 1.0}, {"timestamp": 2000, "id": "b", "value": 2.0}]})
case("map of long", {"type": "map", "values": "long"}, {"a": 1, "b": -2}, {"a": 1, "b": -2})
case("map empty", {"type": "map", "values": "long"}, {}, {})
case("map of arrays", {"type": "map", "values": {"type": "array", "items": "string"}},
     {"x": ["p", "q"], "y": []}, {"x": ["p", "q"], "y": []})
COLOR = {"type": "enum", "name": "color", "symbols": ["RED", "GREEN", "BLUE"]}
case("enum", COLOR, "GREEN", "GREEN")
case("enum first symbol", COLOR, "RED", "RED")
case("fixed", {"type": "fixed", "name": "quad", "size": 4}, b"\x01\x02\x03\x04", "AQIDBA==")

# Unions.
OPT_STRING = ["null", "string"]
case("union null branch", OPT_STRING, None, None)
case("union string branch", OPT_STRING, "x", "x")
case("union string branch, Avro JSON wrapper input", OPT_STRING, "x", {"string": "x"}, decoded="x")
# Branch choice among several numeric branches is not specified by Avro and Python chooses differently from the
# gateway (it wrote 5 as double for ["null","int","long","float","double"]), so these unions have one numeric
# branch each; the gateway's preference order is covered by hand-computed unit tests.
case("union int branch", ["null", "int"], 5, 5)
case("union long branch", ["null", "long"], 2147483648, 2147483648)
case("union double branch", ["null", "double"], 2.5, 2.5)
case("union record branch", ["null", SENSOR],
     {"timestamp": datetime.datetime.fromtimestamp(0, UTC), "id": "z", "value": 0.5},
     {"timestamp": 0, "id": "z", "value": 0.5})
case("union enum by symbol", ["null", COLOR], "BLUE", "BLUE")
case("union array branch", ["null", {"type": "array", "items": "long"}], [7], [7])
case("union map branch", ["null", {"type": "map", "values": "int"}], {"k": 1}, {"k": 1})
LIST = {"type": "record", "name": "node", "fields": [
    {"name": "value", "type": "int"},
    {"name": "next", "type": ["null", "node"]}]}
case("recursive record", LIST, {"value": 1, "next": {"value": 2, "next": None}},
     {"value": 1, "next": {"value": 2, "next": None}})

# Defaults fill missing fields (the input omits them).
DEFAULTS = {"type": "record", "name": "withDefaults", "fields": [
    {"name": "id", "type": "string"},
    {"name": "count", "type": "int", "default": 7},
    {"name": "note", "type": ["null", "string"], "default": None},
    {"name": "tags", "type": {"type": "array", "items": "string"}, "default": ["a"]},
    {"name": "raw", "type": "bytes", "default": "\u00ff\u0001"},
    {"name": "level", "type": COLOR, "default": "RED"}]}
case("record defaults fill missing fields", DEFAULTS,
     {"id": "x", "count": 7, "note": None, "tags": ["a"], "raw": b"\xff\x01", "level": "RED"},
     {"id": "x"},
     decoded={"id": "x", "count": 7, "note": None, "tags": ["a"], "raw": "/wE=", "level": "RED"})

# Logical types.
TS = {"type": "long", "logicalType": "timestamp-millis"}
case("timestamp-millis from number", TS, datetime.datetime(2024, 11, 22, 13, 45, 0, 123000, UTC), 1732283100123)
case("timestamp-millis from ISO with offset", TS, datetime.datetime(2024, 11, 22, 13, 45, 0, 123000, UTC),
     "2024-11-22T15:45:00.123+02:00", decoded=1732283100123)
case("timestamp-millis before 1970", TS, datetime.datetime(1969, 12, 31, 23, 59, 59, 999000, UTC),
     "1969-12-31T23:59:59.999Z", decoded=-1)
TSU = {"type": "long", "logicalType": "timestamp-micros"}
case("timestamp-micros from ISO", TSU, datetime.datetime(2024, 11, 22, 13, 45, 0, 123456, UTC),
     "2024-11-22T13:45:00.123456Z", decoded=1732283100123456)
DATE = {"type": "int", "logicalType": "date"}
case("date from string", DATE, datetime.date(2024, 11, 22), "2024-11-22", decoded=20049)
case("date from number", DATE, datetime.date(1970, 1, 2), 1)
case("date before 1970", DATE, datetime.date(1969, 12, 31), "1969-12-31", decoded=-1)
TIME_MS = {"type": "int", "logicalType": "time-millis"}
case("time-millis from string", TIME_MS, datetime.time(13, 45, 0, 123000), "13:45:00.123", decoded=49500123)
TIME_US = {"type": "long", "logicalType": "time-micros"}
case("time-micros from string", TIME_US, datetime.time(13, 45, 0, 123456), "13:45:00.123456", decoded=49500123456)
DEC = {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}
case("decimal bytes from string", DEC, D("12.30"), "12.30")
case("decimal bytes from number", DEC, D("12.30"), 12.3, decoded="12.30")
case("decimal bytes negative", DEC, D("-1.00"), "-1.00")
case("decimal bytes zero", DEC, D("0.00"), "0", decoded="0.00")
case("decimal bytes sign bit needs a byte", DEC, D("1.28"), "1.28")
case("decimal bytes max precision", DEC, D("-9999999.99"), "-9999999.99")
DEC_FIXED = {"type": "fixed", "name": "money", "size": 8, "logicalType": "decimal", "precision": 18, "scale": 4}
case("decimal fixed positive", DEC_FIXED, D("123.4500"), "123.45", decoded="123.4500")
case("decimal fixed negative sign-extended", DEC_FIXED, D("-0.0001"), "-0.0001")
UUID = {"type": "string", "logicalType": "uuid"}
case("uuid", UUID, "6f1c8a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "6f1c8a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b")
case("union of null and timestamp-millis", ["null", TS], datetime.datetime.fromtimestamp(1732270000, UTC),
     1732270000000)


def encode(schema_json, datum):
    schema = avro.schema.parse(json.dumps(schema_json))
    buffer = io.BytesIO()
    avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(buffer))
    return buffer.getvalue()


out = []
for name, schema, datum, input_json, decoded, wire_schema_id, note in cases:
    body = encode(schema, datum)
    entry = {"name": name, "source": SOURCE, "schema": schema, "input": input_json}
    if wire_schema_id is not None:
        entry["wireSchemaId"] = wire_schema_id
        # Confluent framing: magic byte 0, then the schema id as a big-endian int32.
        body = struct.pack(">bI", 0, wire_schema_id) + body
    entry["hex"] = body.hex()
    if decoded is not None:
        entry["decoded"] = decoded
    out.append(entry)

with open("vectors.json", "w", encoding="utf-8") as f:
    json.dump({"generator": "make-vectors.py", "cases": out}, f, indent=2, ensure_ascii=False)
    f.write("\n")
print(f"wrote {len(out)} cases")

"""Send one PromptRequest to Umbra and print its ImageResult.

Speaks only the public contract: the .avsc files in schemas/avro/ and the framing of schemas/README.md
(Avro single-object encoding: C3 01, the writer schema's CRC-64-AVRO fingerprint little-endian, the Avro body).

    pip install --user -r requirements.txt
    python3 produce_and_read.py --bootstrap-servers localhost:9092 --prompt "a red cube"
"""
import argparse
import io
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from fastavro import schemaless_reader, schemaless_writer
from fastavro.schema import fingerprint, load_schema, load_schema_ordered, to_parsing_canonical_form
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

AVRO = Path(__file__).resolve().parents[2] / "avro"
HEADER = b"\xc3\x01"


def fp(schema) -> bytes:
    """The 8 bytes after C3 01: CRC-64-AVRO of the Parsing Canonical Form, little-endian (as EventCodec checks)."""
    return bytes.fromhex(fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))


PROMPT = load_schema(AVRO / "PromptRequest.avsc")
# ImageResult names the Status enum, so Status is loaded first.
RESULT = load_schema_ordered([AVRO / "Status.avsc", AVRO / "ImageResult.avsc"])
# Every ImageResult version a worker may write, by fingerprint: the current one and the history.
RESULT_WRITERS = {fp(RESULT): RESULT}
for old in sorted((AVRO / "history").glob("ImageResult.v*.avsc")):
    schema = load_schema(old)
    RESULT_WRITERS[fp(schema)] = schema


def encode_prompt(request: dict) -> bytes:
    out = io.BytesIO()
    out.write(HEADER + fp(PROMPT))
    schemaless_writer(out, PROMPT, request)
    return out.getvalue()


def decode_result(value: bytes) -> dict:
    if value is None or len(value) < 10 or value[:2] != HEADER:
        raise ValueError("not an Avro single-object encoded value")
    writer = RESULT_WRITERS.get(value[2:10])
    if writer is None:
        raise ValueError("unknown ImageResult schema fingerprint " + value[2:10].hex())
    return schemaless_reader(io.BytesIO(value[10:]), writer, RESULT)


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--bootstrap-servers", default="localhost:9092")
    args.add_argument("--prompts-topic", default="umbra.prompts")
    args.add_argument("--results-topic", default="umbra.results")
    args.add_argument("--prompt", default="a red cube")
    args.add_argument("--request-id", default="py-" + uuid.uuid4().hex[:12])
    args.add_argument("--timeout-s", type=float, default=60)
    a = args.parse_args()

    # Read the results topic from its end as it is now, before sending: the answer can only come after.
    consumer = KafkaConsumer(bootstrap_servers=a.bootstrap_servers, group_id=None, enable_auto_commit=False)
    partitions = [TopicPartition(a.results_topic, p) for p in consumer.partitions_for_topic(a.results_topic) or []]
    if not partitions:
        print(f"no topic {a.results_topic} on {a.bootstrap_servers}", file=sys.stderr)
        return 1
    consumer.assign(partitions)
    consumer.seek_to_end()
    for p in partitions:
        consumer.position(p)

    request = {"request_id": a.request_id, "prompt": a.prompt, "num_images": 1, "seed": 42,
               "created_at": datetime.now(timezone.utc), "metadata": {"source": "python example"}}
    producer = KafkaProducer(bootstrap_servers=a.bootstrap_servers, acks="all")
    producer.send(a.prompts_topic, key=a.request_id.encode(), value=encode_prompt(request)).get(timeout=30)
    producer.close()
    print(f"sent request_id={a.request_id} to {a.prompts_topic}")

    deadline = time.monotonic() + a.timeout_s
    while time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                result = decode_result(record.value)
                if result["request_id"] != a.request_id:
                    continue  # someone else's answer
                images = result["images"]
                print(f"result request_id={result['request_id']} status={result['status']}"
                      f" error_code={result['error_code']} images={len(images)}"
                      f" png_bytes={[len(i['image'] or b'') for i in images]}")
                consumer.close()
                return 0 if result["status"] == "OK" else 2
    print(f"no result for {a.request_id} within {a.timeout_s} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

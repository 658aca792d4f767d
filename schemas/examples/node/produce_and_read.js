// Send one PromptRequest to Umbra and print its ImageResult.
//
// Speaks only the public contract: the .avsc files in schemas/avro/ and the framing of schemas/README.md
// (Avro single-object encoding: C3 01, the writer schema's CRC-64-AVRO fingerprint little-endian, the Avro body).
//
//   npm ci
//   node produce_and_read.js --bootstrap-servers localhost:9092 --prompt "a red cube"
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const avro = require('avsc');
const { Kafka, Partitioners, logLevel } = require('kafkajs');

const AVRO = path.join(__dirname, '..', '..', 'avro');
const HEADER = Buffer.from([0xc3, 0x01]);

// CRC-64-AVRO (Rabin), as the Avro specification gives it. avsc's own fingerprint() offers only MD5 and SHA-256.
const EMPTY = 0xc15d213aa4d7a795n;
const TABLE = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n));
  return fp;
});

/** The 8 bytes after C3 01: CRC-64-AVRO of the Parsing Canonical Form, little-endian (as EventCodec checks). */
function fingerprint(type) {
  // avsc's schema() without options is the Parsing Canonical Form: full names, no docs, defaults or logical types.
  let fp = EMPTY;
  for (const b of Buffer.from(JSON.stringify(type.schema()), 'utf8')) {
    fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(b)) & 0xffn)];
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp);
  return out;
}

const load = (file, registry = {}) =>
  avro.Type.forSchema(JSON.parse(fs.readFileSync(path.join(AVRO, file), 'utf8')), { registry });

const PROMPT = load('PromptRequest.avsc');
// ImageResult names the Status enum, so Status goes into its registry first.
const registry = {};
load('Status.avsc', registry);
const RESULT = load('ImageResult.avsc', registry);
// Every ImageResult version a worker may write, by fingerprint: the current one and the history.
const RESULT_WRITERS = new Map([[fingerprint(RESULT).toString('hex'), RESULT]]);
for (const file of fs.readdirSync(path.join(AVRO, 'history')).filter((f) => /^ImageResult\.v\d+\.avsc$/.test(f))) {
  const writer = load(path.join('history', file));
  RESULT_WRITERS.set(fingerprint(writer).toString('hex'), writer);
}

function encodePrompt(request) {
  return Buffer.concat([HEADER, fingerprint(PROMPT), PROMPT.toBuffer(request)]);
}

function decodeResult(value) {
  if (!value || value.length < 10 || !value.subarray(0, 2).equals(HEADER)) {
    throw new Error('not an Avro single-object encoded value');
  }
  const writer = RESULT_WRITERS.get(value.subarray(2, 10).toString('hex'));
  if (!writer) throw new Error('unknown ImageResult schema fingerprint ' + value.subarray(2, 10).toString('hex'));
  // Resolves the writer's version to the current schema; trailing bytes are an error, as in Java.
  return RESULT.fromBuffer(value.subarray(10), RESULT.createResolver(writer));
}

function options(argv) {
  const o = {
    'bootstrap-servers': 'localhost:9092', 'prompts-topic': 'umbra.prompts', 'results-topic': 'umbra.results',
    prompt: 'a red cube', 'request-id': 'node-' + crypto.randomBytes(6).toString('hex'), 'timeout-s': '60',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o) || i + 1 >= argv.length) throw new Error('usage: --' + Object.keys(o).join(' V --') + ' V');
    o[key] = argv[i + 1];
  }
  return o;
}

async function main() {
  const o = options(process.argv.slice(2));
  const kafka = new Kafka({ clientId: 'umbra-node-example', brokers: o['bootstrap-servers'].split(','),
    logLevel: logLevel.WARN });
  const topic = o['results-topic'];

  // The results topic's end as it is now, before sending: the answer can only come after it.
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();

  const consumer = kafka.consumer({ groupId: 'umbra-node-example-' + o['request-id'] });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let done;
  const answered = new Promise((resolve) => { done = resolve; });
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const result = decodeResult(message.value);
      if (result.request_id === o['request-id']) done(result); // others' answers are skipped
    },
  });
  for (const { partition, offset } of ends) consumer.seek({ topic, partition, offset });
  await joined;

  // Partitions by the key's murmur2 hash, as Java clients do.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic: o['prompts-topic'], acks: -1, messages: [{ key: o['request-id'], value: encodePrompt({
    request_id: o['request-id'], prompt: o.prompt, num_images: 1, seed: 42, created_at: Date.now(),
    metadata: { source: 'node example' },
  }) }] });
  await producer.disconnect();
  console.log(`sent request_id=${o['request-id']} to ${o['prompts-topic']}`);

  const timeout = new Promise((resolve) => setTimeout(resolve, Number(o['timeout-s']) * 1000, null));
  const result = await Promise.race([answered, timeout]);
  await consumer.disconnect();
  if (!result) {
    console.error(`no result for ${o['request-id']} within ${o['timeout-s']} s`);
    return 1;
  }
  console.log(`result request_id=${result.request_id} status=${result.status} error_code=${result.error_code}`
    + ` images=${result.images.length} png_bytes=[${result.images.map((i) => (i.image || []).length)}]`);
  return result.status === 'OK' ? 0 : 2;
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1); });

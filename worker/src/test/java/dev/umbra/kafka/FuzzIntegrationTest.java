package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.schemas.DeadLetter;
import dev.umbra.schemas.DecoderOptions;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PromptRequest;
import dev.umbra.schemas.Status;
import dev.umbra.worker.EmbeddingEngine;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile bytes on the prompts topic: 10,000 generated payloads (random bytes, truncated and bit-flipped valid records,
 * wrong fingerprints, huge strings and maps, every field at its limits) mixed with 500 valid requests, against a real
 * worker on the tiny model. Every record ends as exactly one dead letter or one result, every valid request is
 * answered OK, the worker keeps serving, and its heap does not grow with what it has seen. Seeded: a failure
 * reproduces.
 */
class FuzzIntegrationTest {

    private static final long SEED = 20261201L;
    private static final int BAD = 10_000;
    private static final int VALID = 500;
    private static final EventCodec CODEC = new EventCodec();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void everyPayloadEndsAsOneDeadLetterOrOneResultAndTheWorkerStaysUp() throws Exception {
        Random random = new Random(SEED);
        List<Function<Random, byte[]>> kinds = List.of(
                FuzzIntegrationTest::randomBytes, FuzzIntegrationTest::truncated, FuzzIntegrationTest::bitFlipped,
                FuzzIntegrationTest::wrongFingerprint, FuzzIntegrationTest::atTheLimits,
                FuzzIntegrationTest::otherEventType);
        List<byte[]> values = new ArrayList<>();
        Set<String> validIds = new HashSet<>();
        int validEvery = BAD / VALID;
        for (int i = 0; i < BAD; i++) {
            // The huge ones (100 KB to 400 KB each) one in fifty: enough to hurt, not to fill the test's heap.
            Function<Random, byte[]> kind = i % 100 == 0 ? FuzzIntegrationTest::hugeStrings
                    : i % 100 == 50 ? FuzzIntegrationTest::hugeMap : kinds.get(i % kinds.size());
            values.add(kind.apply(random));
            if (i % validEvery == 0) {
                String id = "valid-" + i;
                validIds.add(id);
                values.add(CODEC.encode(KafkaTestKit.request(id, "a red circle " + i).build()));
            }
        }

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
             EclipseModel model = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()),
                     RuntimeOptions.defaults())) {
            KafkaTestKit kit = new KafkaTestKit(broker.bootstrapServers());
            KafkaTestKit.Topics topics = kit.createTopics("fuzz", 2);
            Vertx vertx = Vertx.vertx();
            try {
                StreamingWorker worker = StreamingWorker.start(vertx, topics.config(kit.bootstrapServers()).build(),
                        EmbeddingEngine.of(model)).await(60, TimeUnit.SECONDS);
                long heapBefore = usedHeapAfterGc();
                produce(kit.bootstrapServers(), topics.prompts(), values);

                kit.awaitFullyCommitted(topics.group(), topics.prompts());
                List<ConsumerRecord<byte[], byte[]>> letters = kit.readFor(topics.deadLetters(), values.size(),
                        Duration.ofSeconds(5));
                List<ConsumerRecord<byte[], byte[]>> results = kit.readFor(topics.results(), values.size(),
                        Duration.ofSeconds(5));
                // Exactly one outcome per record: a dead letter names its source offset, a result its request.
                Set<String> deadOffsets = new HashSet<>();
                Map<String, Integer> reasons = new TreeMap<>();
                for (ConsumerRecord<byte[], byte[]> r : letters) {
                    DeadLetter d = CODEC.decodeDeadLetter(r.value());
                    assertTrue(deadOffsets.add(d.getSourcePartition() + "@" + d.getSourceOffset()), "twice: " + d);
                    assertTrue(!d.getReason().isBlank());
                    reasons.merge(d.getErrorCode(), 1, Integer::sum);
                }
                Map<String, ImageResult> byId = new HashMap<>();
                Map<String, Integer> statuses = new TreeMap<>();
                for (ConsumerRecord<byte[], byte[]> r : results) {
                    ImageResult result = CODEC.decodeImageResult(r.value());
                    byId.put(result.getRequestId(), result);
                    statuses.merge(result.getStatus() + (result.getErrorCode() == null ? "" : " " + result.getErrorCode()),
                            1, Integer::sum);
                    if (result.getStatus() != Status.OK) {
                        assertTrue(result.getErrorMessage() != null && !result.getErrorMessage().isBlank(),
                                "a reason for " + result.getRequestId());
                    }
                }
                String summary = values.size() + " records: " + letters.size() + " dead letters " + reasons + ", "
                        + results.size() + " results " + statuses + "; " + worker.stats();
                System.out.println("fuzz: " + summary);
                assertEquals(values.size(), letters.size() + results.size(), summary);
                for (String id : validIds) {
                    assertEquals(Status.OK, byId.get(id) == null ? null : byId.get(id).getStatus(), id + ": " + summary);
                }
                assertEquals(values.size(), worker.stats().recordsReceived());

                int answered = results.size();
                letters = null; // let the heap check below see the worker's memory, not the test's copies
                results = null;
                byId = null;

                // Still serving.
                kit.produce(List.of(KafkaTestKit.record(topics.prompts(),
                        KafkaTestKit.request("after", "a blue square").build())));
                assertTrue(kit.readFor(topics.results(), answered + 1, Duration.ofSeconds(30)).stream()
                        .anyMatch(r -> CODEC.decodeImageResult(r.value()).getRequestId().equals("after")));
                long heapAfter = usedHeapAfterGc();
                // What it saw is not kept: the heap is where it was, give or take the JIT's and Kafka's own.
                assertTrue(heapAfter - heapBefore < 64L << 20,
                        "heap grew from " + (heapBefore >> 20) + " to " + (heapAfter >> 20) + " MiB");
                worker.stop().await(60, TimeUnit.SECONDS);
            } finally {
                vertx.close().await(60, TimeUnit.SECONDS);
            }
        }
    }

    private static void produce(String bootstrap, String topic, List<byte[]> values) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "acks", "all", "linger.ms", "5", "max.request.size", Integer.toString(2 << 20)),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, Integer.toString(i).getBytes(), values.get(i))));
            }
            for (var f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private static byte[] validBytes(Random random) {
        return CODEC.encode(KafkaTestKit.request("v-" + random.nextInt(1_000_000), "a green triangle")
                .setNegativePrompt("blur")
                .setMetadata(Map.of("k", "v")).build());
    }

    private static byte[] randomBytes(Random random) {
        byte[] b = new byte[random.nextInt(2_000)];
        random.nextBytes(b);
        if (b.length >= 2 && random.nextBoolean()) {
            b[0] = (byte) 0xC3; // the single-object marker, so that the header check passes sometimes
            b[1] = 0x01;
        }
        return b;
    }

    private static byte[] truncated(Random random) {
        byte[] v = validBytes(random);
        byte[] t = new byte[random.nextInt(v.length)];
        System.arraycopy(v, 0, t, 0, t.length);
        return t;
    }

    private static byte[] bitFlipped(Random random) {
        byte[] v = validBytes(random);
        int flips = 1 + random.nextInt(4);
        for (int i = 0; i < flips; i++) {
            int bit = random.nextInt(v.length * 8);
            v[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        return v;
    }

    private static byte[] wrongFingerprint(Random random) {
        byte[] v = validBytes(random);
        for (int i = 2; i < 10; i++) {
            v[i] = (byte) random.nextInt(256);
        }
        return v;
    }

    private static byte[] otherEventType(Random random) {
        return CODEC.encode(DeadLetter.newBuilder().setOriginalValue(null).setOriginalKey(null).setSourceTopic("t")
                .setSourcePartition(0).setSourceOffset(1)
                .setErrorCode("X").setReason("r").setWorkerId("w").setFailedAt(Instant.now()).build());
    }

    private static byte[] atTheLimits(Random random) {
        PromptRequest.Builder b = KafkaTestKit.request("limits-" + random.nextInt(1_000_000), "a cat");
        switch (random.nextInt(12)) {
            case 0 -> b.setNumImages(random.nextBoolean() ? 0 : Integer.MIN_VALUE);
            case 1 -> b.setNumImages(Integer.MAX_VALUE);
            case 2 -> b.setSeed(random.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE);
            case 3 -> b.setDeadline(Instant.ofEpochMilli(random.nextBoolean() ? Long.MIN_VALUE / 2 : 0));
            case 4 -> b.setCreatedAt(Instant.ofEpochMilli(random.nextBoolean() ? Long.MAX_VALUE / 2 : Long.MIN_VALUE / 2));
            case 5 -> b.setPrompt(random.nextBoolean() ? "" : " \t\n");
            case 6 -> b.setModel("no-such-model-" + random.nextInt());
            case 7 -> b.setRequestId(random.nextBoolean() ? "" : "r".repeat(10_000));
            case 8 -> b.setDecoderOptions(DecoderOptions.newBuilder().setNumInferenceSteps(random.nextBoolean()
                    ? -1 : Integer.MAX_VALUE).setGuidanceScale(Float.NaN).setWidth(0).setHeight(-64).build());
            case 9 -> b.setPrompt("\u0000\uFFFF\uD83D\uDE00 ✓ 画像 " + (char) 0xD800);
            case 10 -> b.setNegativePrompt("x".repeat(5_000));
            default -> b.setReplyTopic(random.nextBoolean() ? "umbra.prompts" : "umbra.replies.missing");
        }
        return CODEC.encode(b.build());
    }

    private static byte[] hugeStrings(Random random) {
        int size = 100_000 + random.nextInt(300_000);
        return CODEC.encode(KafkaTestKit.request("huge-" + random.nextInt(1_000_000), "p".repeat(size)).build());
    }

    private static byte[] hugeMap(Random random) {
        Map<String, String> metadata = new HashMap<>();
        int entries = 1_000 + random.nextInt(20_000);
        for (int i = 0; i < entries; i++) {
            metadata.put("k" + i, "v".repeat(random.nextInt(20)));
        }
        return CODEC.encode(KafkaTestKit.request("map-" + random.nextInt(1_000_000), "a dog").setMetadata(metadata)
                .build());
    }
}

package dev.umbra.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.batch.BatchPolicy;
import dev.umbra.io.Bytes;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.schemas.DeadLetter;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import dev.umbra.worker.EmbeddingEngine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.WakeupException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The worker end to end on one embedded Kafka broker and the real embedded model, shared by the tests of this class
 * (each test has its own topics and group).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StreamingWorkerIntegrationTest {

    private static EmbeddedKafkaBroker broker;
    private static EclipseModel model;
    private static KafkaTestKit kit;

    private Vertx vertx;
    private String name;

    @BeforeAll
    static void startBrokerAndModel() {
        broker = EmbeddedKafkaBroker.start();
        model = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()), RuntimeOptions.defaults());
        kit = new KafkaTestKit(broker.bootstrapServers());
    }

    @AfterAll
    static void stopBrokerAndModel() {
        if (model != null) {
            model.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void setUp(TestInfo info) {
        vertx = Vertx.vertx();
        name = info.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().await(60, TimeUnit.SECONDS);
    }

    private StreamingWorker start(WorkerConfig config, EmbeddingEngine engine, OffsetCommitter committer)
            throws Exception {
        return StreamingWorker.start(vertx, config, engine, committer).await(60, TimeUnit.SECONDS);
    }

    private static List<ImageResult> decodeResults(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> KafkaTestKit.CODEC.decodeImageResult(r.value())).toList();
    }

    @Test
    void everyRequestGetsExactlyOneResultInBatchesLargerThanOne() throws Exception {
        EndToEndScenario.run(kit, EmbeddingEngine.of(model), name, 30);
    }

    @Test
    void workerThatDiesBeforeCommittingHasItsRequestsAnsweredAgainAfterRestart() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 2);
        int n = 12;
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(KafkaTestKit.record(topics.prompts(), KafkaTestKit.request(name + "-" + i, "a cat " + i).build()));
        }
        kit.produce(records);
        WorkerConfig config = topics.config(kit.bootstrapServers()).build();

        // First worker: publishes every result, but each commit fails, as if it died right before committing.
        OffsetCommitter crashBeforeCommit =
                (consumer, offsets) -> Future.failedFuture("simulated crash before committing " + offsets);
        StreamingWorker first = start(config, EmbeddingEngine.of(model), crashBeforeCommit);
        assertEquals(n, kit.readAtLeast(topics.results(), n).size());
        first.stop().await(60, TimeUnit.SECONDS);
        assertEquals(Map.of(), kit.committed(topics.group()), "nothing may be committed");

        // Its replacement in the same group gets every request again and answers each once more: none lost.
        StreamingWorker second = start(config, EmbeddingEngine.of(model), OffsetCommitter.KAFKA);
        List<ImageResult> results = decodeResults(kit.readAtLeast(topics.results(), 2 * n));
        Map<String, Long> perId = results.stream()
                .collect(Collectors.groupingBy(ImageResult::getRequestId, Collectors.counting()));
        assertEquals(n, perId.size(), "distinct requests answered");
        assertTrue(perId.values().stream().allMatch(c -> c == 2), "each answered by both workers: " + perId);
        assertTrue(results.stream().allMatch(r -> r.getStatus() == Status.OK));
        kit.awaitFullyCommitted(topics.group(), topics.prompts());
        second.stop().await(60, TimeUnit.SECONDS);
    }

    @Test
    void badInputsAreDeadLetteredOrRejectedWhileTheRestOfTheBatchRunsAndOffsetsAreCommitted() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 1);
        String p = topics.prompts();
        byte[] good = KafkaTestKit.CODEC.encode(KafkaTestKit.request("x", "x").build());
        byte[] unknownFingerprint = good.clone();
        for (int i = 2; i < 10; i++) {
            unknownFingerprint[i] = (byte) 0x5A; // C3 01 kept: a schema fingerprint nobody knows
        }
        byte[] truncated = Arrays.copyOf(good, good.length - 3);
        byte[] garbage = "not avro at all".getBytes(UTF_8);

        Map<String, String> expectedDeadLetters = new HashMap<>(); // key -> error_code
        Map<String, String> expectedRejections = new HashMap<>();  // request id -> error_code
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        records.add(KafkaTestKit.record(p, KafkaTestKit.request("good-0", "a red cube").build()));
        records.add(new ProducerRecord<>(p, KafkaTestKit.key("dl-garbage"), garbage));
        expectedDeadLetters.put("dl-garbage", "NOT_SINGLE_OBJECT_ENCODED");
        records.add(KafkaTestKit.record(p, KafkaTestKit.request("good-1", "a blue ball").setNumImages(2).build()));
        records.add(new ProducerRecord<>(p, KafkaTestKit.key("dl-fingerprint"), unknownFingerprint));
        expectedDeadLetters.put("dl-fingerprint", "UNKNOWN_SCHEMA");
        records.add(new ProducerRecord<>(p, KafkaTestKit.key("dl-truncated"), truncated));
        expectedDeadLetters.put("dl-truncated", "UNDECODABLE");
        records.add(new ProducerRecord<>(p, KafkaTestKit.key("dl-tombstone"), null));
        expectedDeadLetters.put("dl-tombstone", "EMPTY_VALUE");
        records.add(KafkaTestKit.record(p, KafkaTestKit.request("bad-empty", "   ").build()));
        expectedRejections.put("bad-empty", "EMPTY_PROMPT");
        records.add(KafkaTestKit.record(p, KafkaTestKit.request("good-2", "a green tree").build()));
        records.add(KafkaTestKit.record(p, KafkaTestKit.request("bad-zero", "a dog").setNumImages(0).build()));
        expectedRejections.put("bad-zero", "INVALID_NUM_IMAGES");
        records.add(KafkaTestKit.record(p, KafkaTestKit.request("bad-nine", "a dog").setNumImages(9).build()));
        expectedRejections.put("bad-nine", "INVALID_NUM_IMAGES");
        records.add(KafkaTestKit.record(p, KafkaTestKit.request("bad-long", "y".repeat(1001)).build()));
        expectedRejections.put("bad-long", "PROMPT_TOO_LONG");
        records.add(KafkaTestKit.record(p, KafkaTestKit.request("bad-model", "a dog").setModel("karlo").build()));
        expectedRejections.put("bad-model", "UNKNOWN_MODEL");
        records.add(KafkaTestKit.record(p, KafkaTestKit.request("good-3", "a yellow bird").build()));
        kit.produce(records);

        StreamingWorker worker = start(topics.config(kit.bootstrapServers())
                .batchPolicy(new BatchPolicy(16, 200)).build(), EmbeddingEngine.of(model), OffsetCommitter.KAFKA);

        // Dead letters: the reason, and the original key and value bytes kept exactly.
        List<ConsumerRecord<byte[], byte[]>> letters = kit.readAtLeast(topics.deadLetters(), expectedDeadLetters.size());
        assertEquals(expectedDeadLetters.size(), letters.size());
        Map<String, byte[]> sentValues = new HashMap<>();
        Map<String, Long> sentOffsets = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            sentValues.put(new String(records.get(i).key(), UTF_8), records.get(i).value());
            sentOffsets.put(new String(records.get(i).key(), UTF_8), (long) i);
        }
        for (ConsumerRecord<byte[], byte[]> record : letters) {
            DeadLetter letter = KafkaTestKit.CODEC.decodeDeadLetter(record.value());
            String key = new String(Bytes.of(letter.getOriginalKey()), UTF_8);
            assertEquals(expectedDeadLetters.get(key), letter.getErrorCode(), key + ": " + letter.getReason());
            assertFalse(letter.getReason().isBlank());
            byte[] sent = sentValues.get(key);
            if (sent == null) {
                assertNull(letter.getOriginalValue(), key);
            } else {
                assertArrayEquals(sent, Bytes.of(letter.getOriginalValue()), key);
            }
            assertEquals(p, letter.getSourceTopic());
            assertEquals(0, letter.getSourcePartition());
            assertEquals(sentOffsets.get(key), letter.getSourceOffset(), key);
            assertEquals("it-worker", letter.getWorkerId());
        }
        assertEquals(expectedDeadLetters.keySet(), letters.stream()
                .map(r -> new String(r.key(), UTF_8)).collect(Collectors.toSet()),
                "dead letters keep the original key");

        // Results: each invalid request REJECTED with its specific reason, the good ones OK.
        int answers = records.size() - expectedDeadLetters.size();
        List<ImageResult> results = decodeResults(kit.readAtLeast(topics.results(), answers));
        assertEquals(answers, results.size());
        for (ImageResult r : results) {
            String expected = expectedRejections.get(r.getRequestId());
            if (expected == null) {
                assertEquals(Status.OK, r.getStatus(), r.getRequestId() + ": " + r.getErrorMessage());
            } else {
                assertEquals(Status.REJECTED, r.getStatus(), r.getRequestId());
                assertEquals(expected, r.getErrorCode(), r.getRequestId());
                assertTrue(r.getImages().isEmpty());
            }
        }
        kit.awaitFullyCommitted(topics.group(), p);

        // Still running: a later good request is answered and its offset committed too.
        kit.produce(List.of(KafkaTestKit.record(p, KafkaTestKit.request("later", "a white horse").build())));
        List<ImageResult> all = decodeResults(kit.readAtLeast(topics.results(), answers + 1));
        assertTrue(all.stream().anyMatch(r -> r.getRequestId().equals("later") && r.getStatus() == Status.OK));
        kit.awaitFullyCommitted(topics.group(), p);
        assertEquals(Map.of(new TopicPartition(p, 0), (long) records.size() + 1), kit.committed(topics.group()));
        worker.stop().await(60, TimeUnit.SECONDS);
    }

    @Test
    void resultsAndDeadLettersTooLargeToPublishAreReducedAndTheWorkerGoesOn() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 1);
        // The worker's producer takes records up to 64 KB; each bad input below makes an answer of over 100 KB.
        WorkerConfig config = topics.config(kit.bootstrapServers())
                .kafkaProperties(Map.of("producer.max.request.size", "65536")).build();
        ch.qos.logback.classic.Logger verticleLog =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(WorkerVerticle.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        verticleLog.addAppender(logged);
        StreamingWorker worker = start(config, EmbeddingEngine.of(model), OffsetCommitter.KAFKA);
        byte[] garbage = new byte[100_000];
        java.util.Arrays.fill(garbage, (byte) 'x');
        kit.produce(List.of(
                KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("big", "a cat")
                        .setMetadata(Map.of("blob", "m".repeat(100_000))).build()),
                new ProducerRecord<>(topics.prompts(), KafkaTestKit.key("garbage"), garbage),
                KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("after", "a dog").build())));

        Map<String, ImageResult> results = decodeResults(kit.readAtLeast(topics.results(), 2)).stream()
                .collect(Collectors.toMap(ImageResult::getRequestId, r -> r));
        ImageResult big = results.get("big");
        assertEquals(Status.FAILED, big.getStatus());
        assertEquals("RESULT_TOO_LARGE", big.getErrorCode());
        assertTrue(big.getImages().isEmpty() && big.getMetadata().isEmpty());
        assertEquals(Status.OK, results.get("after").getStatus());

        DeadLetter letter = KafkaTestKit.CODEC.decodeDeadLetter(kit.readAtLeast(topics.deadLetters(), 1).get(0).value());
        assertEquals("NOT_SINGLE_OBJECT_ENCODED", letter.getErrorCode());
        assertEquals(null, letter.getOriginalValue());
        assertTrue(letter.getReason().contains("100000 bytes, was too large"), letter.getReason());

        kit.awaitFullyCommitted(topics.group(), topics.prompts());
        worker.stop().await(60, TimeUnit.SECONDS);
        verticleLog.detachAppender(logged);
        // The warning about the reduced result carries its request id for log search (request_id in the MDC).
        var warning = logged.list.stream().filter(e -> e.getFormattedMessage().contains("too large to publish")
                && e.getFormattedMessage().contains("result of big")).findFirst().orElseThrow();
        assertEquals("big", warning.getMDCPropertyMap().get("request_id"));
    }

    @Test
    void fetchingPausesAtTheInFlightBoundAndResumesWhenDrained() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 1);
        int n = 24;
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(KafkaTestKit.record(topics.prompts(), KafkaTestKit.request(name + "-" + i, "a fox " + i).build()));
        }
        kit.produce(records);
        GatedEngine gated = new GatedEngine(EmbeddingEngine.of(model));
        int bound = 4;
        StreamingWorker worker = start(topics.config(kit.bootstrapServers())
                .batchPolicy(new BatchPolicy(2, 10)).maxInFlightRows(bound).build(), gated, OffsetCommitter.KAFKA);

        // Inference is held: rows pile up to the bound, then fetching pauses and stays paused.
        assertTrue(gated.awaitBlocked());
        KafkaTestKit.await(() -> worker.stats().fetchPaused(), () -> "never paused: " + worker.stats());
        long receivedWhilePaused = worker.stats().recordsReceived();
        // One poll may still land after the pause (at most max.poll.records = the bound); never the whole backlog.
        assertTrue(receivedWhilePaused <= 2L * bound, "received " + receivedWhilePaused + " with a bound of " + bound);

        gated.open();
        assertEquals(n, kit.readAtLeast(topics.results(), n).size());
        KafkaTestKit.await(() -> !worker.stats().fetchPaused() && worker.stats().inFlightRows() == 0,
                () -> "did not resume and drain: " + worker.stats());
        kit.awaitFullyCommitted(topics.group(), topics.prompts());
        worker.stop().await(60, TimeUnit.SECONDS);
    }

    /**
     * Pausing and resuming are consumer calls, queued behind the poll in progress; with every partition paused that
     * poll returns nothing and blocks for its whole timeout. Here the poll timeout is 5 s and the in-flight bound one
     * row, so each request pauses and resumes fetching: a worker whose resume waits out the poll would need about
     * 5 s per request (150 s for 30), one that interrupts it needs well under a second each.
     */
    @Test
    void resumingDoesNotWaitOutThePollTimeout() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 1);
        int n = 30;
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(KafkaTestKit.record(topics.prompts(), KafkaTestKit.request(name + "-" + i, "a hen " + i).build()));
        }
        kit.produce(records);
        Duration pollTimeout = Duration.ofSeconds(5);
        StreamingWorker worker = start(topics.config(kit.bootstrapServers()).batchPolicy(new BatchPolicy(1, 1))
                .maxInFlightRows(1).pollTimeout(pollTimeout).build(), EmbeddingEngine.of(model), OffsetCommitter.KAFKA);
        long started = System.nanoTime();
        assertEquals(n, kit.readFor(topics.results(), n, Duration.ofSeconds(30)).size(), () -> "answered in 30 s: "
                + worker.stats());
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        // Four poll timeouts for thirty pause-resume cycles: waiting out even one poll in eight would exceed it.
        assertTrue(took.compareTo(pollTimeout.multipliedBy(4)) < 0, n + " requests took " + took);
        long stopping = System.nanoTime();
        worker.stop().await(60, TimeUnit.SECONDS);
        Duration stop = Duration.ofNanos(System.nanoTime() - stopping);
        assertTrue(stop.compareTo(pollTimeout) < 0, "a clean stop waited out the poll: " + stop);
        assertEquals(Map.of(new TopicPartition(topics.prompts(), 0), (long) n), kit.committed(topics.group()));
    }

    @Test
    void aWakeupThatReachesACommitIsRetriedAtOnce() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 1);
        int n = 12;
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(KafkaTestKit.record(topics.prompts(), KafkaTestKit.request(name + "-" + i, "a wren " + i).build()));
        }
        kit.produce(records);
        // The wakeup that ends an idle poll lands on a commit instead when no poll runs at that moment; a race, so it
        // is played here: the first try of every new offset fails as commitSync does then. Each must be retried at
        // once, not only with the next answer, which for the last one never comes.
        Set<String> tried = ConcurrentHashMap.newKeySet();
        AtomicInteger woken = new AtomicInteger();
        OffsetCommitter wokenOnFirstTry = (consumer, offsets) -> {
            String key = offsets.entrySet().stream().map(e -> e.getKey().getPartition() + "@" + e.getValue().getOffset())
                    .sorted().collect(Collectors.joining(","));
            if (tried.add(key)) {
                woken.incrementAndGet();
                return Future.failedFuture(new WakeupException());
            }
            return OffsetCommitter.KAFKA.commit(consumer, offsets);
        };
        StreamingWorker worker = start(topics.config(kit.bootstrapServers()).batchPolicy(new BatchPolicy(1, 1))
                .maxInFlightRows(1).build(), EmbeddingEngine.of(model), wokenOnFirstTry);
        assertEquals(n, kit.readFor(topics.results(), n, Duration.ofSeconds(30)).size());
        kit.awaitFullyCommitted(topics.group(), topics.prompts()); // before any stop, whose own commit would hide it
        assertTrue(woken.get() > 0);
        assertEquals(0, worker.stats().commitFailures(), () -> "commit failures counted: " + worker.stats());
        worker.stop().await(60, TimeUnit.SECONDS);
    }

    @Test
    void aCleanStopLeavesTheGroupAtOnce() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 2);
        // The default session timeout (45 s): only a LeaveGroup hands the partitions over in seconds.
        StreamingWorker a = start(topics.config(kit.bootstrapServers()).workerId("a").build(), EmbeddingEngine.of(model),
                OffsetCommitter.KAFKA);
        KafkaTestKit.await(() -> a.stats().assignedPartitions() == 2, () -> "a: " + a.stats());
        StreamingWorker b = start(topics.config(kit.bootstrapServers()).workerId("b").build(), EmbeddingEngine.of(model),
                OffsetCommitter.KAFKA);
        KafkaTestKit.await(() -> a.stats().assignedPartitions() == 1 && b.stats().assignedPartitions() == 1,
                () -> "a " + a.stats() + ", b " + b.stats());
        a.stop().await(60, TimeUnit.SECONDS);
        long stopped = System.nanoTime();
        KafkaTestKit.await(() -> b.stats().assignedPartitions() == 2, () -> "b never took a's partition: " + b.stats());
        Duration handover = Duration.ofNanos(System.nanoTime() - stopped);
        assertTrue(handover.compareTo(Duration.ofSeconds(15)) < 0, "handed over after " + handover);
        kit.produce(List.of(KafkaTestKit.record(topics.prompts(), KafkaTestKit.request(name + "-0", "an ox").build()),
                KafkaTestKit.record(topics.prompts(), KafkaTestKit.request(name + "-1", "a yak").build())));
        assertEquals(2, kit.readFor(topics.results(), 2, Duration.ofSeconds(30)).size());
        b.stop().await(60, TimeUnit.SECONDS);
    }

    @Test
    void cleanStopFinishesInFlightWorkAndCommitsIt() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 1);
        int n = 6;
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(KafkaTestKit.record(topics.prompts(), KafkaTestKit.request(name + "-" + i, "an owl " + i).build()));
        }
        kit.produce(records);
        GatedEngine gated = new GatedEngine(EmbeddingEngine.of(model));
        StreamingWorker worker = start(topics.config(kit.bootstrapServers()).build(), gated, OffsetCommitter.KAFKA);
        assertTrue(gated.awaitBlocked());
        KafkaTestKit.await(() -> worker.stats().recordsReceived() == n, () -> "received " + worker.stats());

        // Stop while every request is still in flight; the stop must wait for them, not drop them.
        CompletableFuture<Void> stopped = worker.stop().toCompletionStage().toCompletableFuture();
        assertFalse(stopped.isDone(), "stop returned with work in flight");
        gated.open();
        stopped.get(60, TimeUnit.SECONDS);
        assertEquals(n, kit.readAtLeast(topics.results(), n).size());
        assertEquals(Map.of(new TopicPartition(topics.prompts(), 0), (long) n), kit.committed(topics.group()));
    }

    @Test
    void startFailsNamingMissingTopics() {
        WorkerConfig config = WorkerConfig.builder(kit.bootstrapServers()).promptsTopic(name + ".nope")
                .resultsTopic(name + ".nope-results").deadLetterTopic(name + ".nope-dl").workerId("it").build();
        Exception e = assertThrows(Exception.class,
                () -> StreamingWorker.start(vertx, config, EmbeddingEngine.of(model)).await(60, TimeUnit.SECONDS));
        assertTrue(e.getMessage().contains(name + ".nope") && e.getMessage().contains("do not exist"), e.getMessage());
    }


}

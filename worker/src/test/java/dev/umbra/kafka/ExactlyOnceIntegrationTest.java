package dev.umbra.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import dev.umbra.worker.NullEngine;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code --delivery exactly-once} on the embedded broker, and rebalances in both modes: what a read_committed reader
 * sees, what is committed, and that a worker joining or leaving the group mid-stream costs no duplicate answer (its
 * partitions' answered work is committed inside the rebalance, before they are handed over). Workers here run in
 * this JVM on the null model; {@link CrashChurnIntegrationTest} kills worker processes.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ExactlyOnceIntegrationTest {

    private static EmbeddedKafkaBroker broker;
    private static KafkaTestKit kit;
    private Vertx vertx;
    private String name;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
        kit = new KafkaTestKit(broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void setUp(TestInfo info) {
        vertx = Vertx.vertx();
        String method = info.getTestMethod().orElseThrow().getName();
        name = info.getDisplayName().startsWith("[") ? method + info.getDisplayName().replaceAll("\\W", "") : method;
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().await(60, TimeUnit.SECONDS);
    }

    private StreamingWorker start(WorkerConfig config) throws Exception {
        return StreamingWorker.start(vertx, config, new NullEngine(8)).await(60, TimeUnit.SECONDS);
    }

    @Test
    void answersDeadLettersAndOffsetsAreCommittedTogether() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 3);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        int good = 60;
        int bad = 5;
        for (int i = 0; i < good; i++) {
            records.add(KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("eos-" + i, "a cat " + i).build()));
        }
        for (int i = 0; i < bad; i++) {
            records.add(new ProducerRecord<>(topics.prompts(), KafkaTestKit.key("garbage-" + i), "no".getBytes(UTF_8)));
        }
        kit.produce(records);
        StreamingWorker worker = start(topics.config(kit.bootstrapServers()).delivery(Delivery.EXACTLY_ONCE).build());

        Map<String, Integer> answers = countAnswers(kit.readCommittedFor(topics.results(), good, KafkaTestKit.WAIT));
        assertEquals(good, answers.size());
        assertTrue(answers.values().stream().allMatch(n -> n == 1), answers.toString());
        List<ConsumerRecord<byte[], byte[]>> letters = kit.readCommittedFor(topics.deadLetters(), bad,
                KafkaTestKit.WAIT);
        assertEquals(bad, letters.size());
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            assertEquals("NOT_SINGLE_OBJECT_ENCODED", KafkaTestKit.CODEC.decodeDeadLetter(letter.value())
                    .getErrorCode());
        }
        // The offsets were sent with the transactions, never committed by the consumer: the group has them all.
        kit.awaitFullyCommitted(topics.group(), topics.prompts());
        assertTrue(worker.stats().commits() > 0, worker.stats().toString());
        worker.stop().await(60, TimeUnit.SECONDS);
    }

    @Test
    void anAnswerTooLargeIsReducedAndItsTransactionTriedAgain() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 1);
        // The producer takes records up to 64 KB: the first answer below is over 100 KB, and aborts its transaction.
        StreamingWorker worker = start(topics.config(kit.bootstrapServers()).delivery(Delivery.EXACTLY_ONCE)
                .kafkaProperties(Map.of("producer.max.request.size", "65536")).build());
        kit.produce(List.of(
                KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("big", "a cat")
                        .setMetadata(Map.of("blob", "m".repeat(100_000))).build()),
                KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("after", "a dog").build())));

        List<ConsumerRecord<byte[], byte[]>> records = kit.readCommittedFor(topics.results(), 2, KafkaTestKit.WAIT);
        Map<String, ImageResult> results = new HashMap<>();
        records.forEach(r -> results.put(KafkaTestKit.CODEC.decodeImageResult(r.value()).getRequestId(),
                KafkaTestKit.CODEC.decodeImageResult(r.value())));
        assertEquals(2, records.size(), results.keySet().toString());
        assertEquals(Status.FAILED, results.get("big").getStatus());
        assertEquals("RESULT_TOO_LARGE", results.get("big").getErrorCode());
        assertEquals(Status.OK, results.get("after").getStatus());
        kit.awaitFullyCommitted(topics.group(), topics.prompts());
        worker.stop().await(60, TimeUnit.SECONDS);
    }

    /**
     * A second worker joins the group while requests stream in, and later stops cleanly: two rebalances, each
     * moving partitions with answers in flight. Every request is answered exactly once in either mode, because the
     * worker giving partitions up answers and commits their records inside the rebalance.
     */
    @ParameterizedTest
    @EnumSource(Delivery.class)
    void aWorkerJoiningAndLeavingMidStreamCausesNoDuplicates(Delivery delivery) throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 6);
        WorkerConfig.Builder config = topics.config(kit.bootstrapServers()).delivery(delivery);
        StreamingWorker first = start(config.workerId("first").build());
        int requests = 1200;
        StreamingWorker second = null;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                "bootstrap.servers", broker.bootstrapServers(), "acks", "all", "linger.ms", "5"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < requests; i++) {
                String id = "flow-" + i;
                producer.send(new ProducerRecord<>(topics.prompts(), id.getBytes(UTF_8), KafkaTestKit.CODEC.encode(
                        KafkaTestKit.request(id, "a cat " + i).setCreatedAt(Instant.now()).build())));
                if (i % 50 == 49) {
                    Thread.sleep(200); // about 250 requests a second, for about 5 s
                }
                if (i == 300) {
                    second = start(config.workerId("second").build());
                }
                if (i == 900) {
                    second.stop().await(60, TimeUnit.SECONDS);
                }
            }
        }
        List<ConsumerRecord<byte[], byte[]>> results = delivery == Delivery.EXACTLY_ONCE
                ? kit.readCommittedFor(topics.results(), requests, KafkaTestKit.WAIT)
                : kit.readFor(topics.results(), requests, KafkaTestKit.WAIT);
        // Read on a little: a duplicate would come after the last first answer.
        results = delivery == Delivery.EXACTLY_ONCE
                ? kit.readCommittedFor(topics.results(), Integer.MAX_VALUE, Duration.ofSeconds(3))
                : kit.readFor(topics.results(), Integer.MAX_VALUE, Duration.ofSeconds(3));
        Map<String, Integer> answers = countAnswers(results);
        Map<String, Integer> twice = new HashMap<>(answers);
        twice.values().removeIf(n -> n == 1);
        assertEquals(requests, answers.size(), "answered");
        assertEquals(Map.of(), twice, "answered more than once");
        kit.awaitFullyCommitted(topics.group(), topics.prompts());
        first.stop().await(60, TimeUnit.SECONDS);
    }

    private static Map<String, Integer> countAnswers(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Integer> answers = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            ImageResult result = KafkaTestKit.CODEC.decodeImageResult(r.value());
            assertEquals(Status.OK, result.getStatus(), result.getRequestId() + ": " + result.getErrorMessage());
            answers.merge(result.getRequestId(), 1, Integer::sum);
        }
        return answers;
    }
}

package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash churn: three worker processes in one group (the real CLI, {@code run --model null:8}, each its own JVM) on
 * the embedded broker; 3,000 requests arrive over about 15 s while one worker is killed with SIGKILL every 3 s and
 * started again. Every request is answered (zero lost); at least once means duplicates, counted and reported;
 * exactly once means none for a read_committed reader (what aborted transactions left in the log is counted too).
 */
class CrashChurnIntegrationTest {

    private static final int REQUESTS = 3_000;
    private static final int WORKERS = 3;
    private static final EventCodec CODEC = new EventCodec();
    private static final Pattern ASSIGNED = Pattern.compile("assigned \\[TopicPartition");

    @ParameterizedTest
    @EnumSource(Delivery.class)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void killedWorkersLoseNothing(Delivery delivery, @TempDir Path dir) throws Exception {
        boolean exactlyOnce = delivery == Delivery.EXACTLY_ONCE;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            KafkaTestKit kit = new KafkaTestKit(broker.bootstrapServers());
            KafkaTestKit.Topics topics = kit.createTopics("churn", 6);
            WorkerJvm[] workers = new WorkerJvm[WORKERS];
            int started = 0;
            try {
                for (int i = 0; i < WORKERS; i++) {
                    workers[i] = startWorker("w" + i + "-" + started++, i, delivery, broker.bootstrapServers(),
                            topics, dir);
                }
                for (WorkerJvm w : workers) {
                    w.awaitLog(ASSIGNED, "its share of the prompts topic");
                }
                Random random = new Random(7);
                int kills = 0;
                long startedAt = System.nanoTime();
                long nextKill = startedAt + TimeUnit.SECONDS.toNanos(3);
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                        "bootstrap.servers", broker.bootstrapServers(), "acks", "all", "linger.ms", "5"),
                        new ByteArraySerializer(), new ByteArraySerializer())) {
                    for (int i = 0; i < REQUESTS; i++) {
                        String id = "churn-" + i;
                        producer.send(new ProducerRecord<>(topics.prompts(), id.getBytes(), CODEC.encode(
                                KafkaTestKit.request(id, "a cat " + i).setCreatedAt(Instant.now()).build())));
                        if (i % 100 == 99) {
                            Thread.sleep(500); // about 200 requests a second
                        }
                        if (System.nanoTime() - nextKill > 0) {
                            int victim = random.nextInt(WORKERS);
                            workers[victim].kill();
                            kills++;
                            workers[victim] = startWorker("w" + victim + "-" + started++, victim, delivery,
                                    broker.bootstrapServers(), topics, dir);
                            nextKill = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                        }
                    }
                    producer.flush();
                }
                double sendingSeconds = (System.nanoTime() - startedAt) / 1e9;

                Map<String, Integer> answers = new HashMap<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                List<ConsumerRecord<byte[], byte[]>> results = List.of();
                while (answers.size() < REQUESTS && System.nanoTime() - deadline < 0) {
                    results = exactlyOnce
                            ? kit.readCommittedFor(topics.results(), Integer.MAX_VALUE, Duration.ofSeconds(2))
                            : kit.readFor(topics.results(), Integer.MAX_VALUE, Duration.ofSeconds(2));
                    answers.clear();
                    for (ConsumerRecord<byte[], byte[]> r : results) {
                        ImageResult result = CODEC.decodeImageResult(r.value());
                        assertEquals(Status.OK, result.getStatus(), result.getRequestId());
                        answers.merge(result.getRequestId(), 1, Integer::sum);
                    }
                }
                double allAnsweredSeconds = (System.nanoTime() - startedAt) / 1e9;
                int lost = REQUESTS - answers.size();
                int duplicates = results.size() - answers.size();
                // In the log but not committed: what a read_uncommitted reader would also see.
                int inLog = exactlyOnce ? kit.readFor(topics.results(), Integer.MAX_VALUE, Duration.ofSeconds(2)).size()
                        : results.size();
                String summary = String.format("crash churn (%s): %d requests, %d workers, %d SIGKILLs over %.1f s of"
                        + " sending, %d answered, %d lost, %d duplicates (%.1f%%)%s, all answered %.1f s after the"
                        + " first request", delivery.cliName(), REQUESTS, WORKERS, kills, sendingSeconds,
                        answers.size(), lost, duplicates, 100.0 * duplicates / REQUESTS, exactlyOnce
                                ? String.format(" for a read_committed reader (%d records from aborted transactions"
                                        + " in the log)", inLog - results.size()) : "", allAnsweredSeconds);
                System.out.println(summary);
                assertTrue(kills >= 3, summary);
                assertEquals(0, lost, summary + "\n" + workers[0].log());
                if (exactlyOnce) {
                    assertEquals(0, duplicates, summary);
                }
                kit.awaitFullyCommitted(topics.group(), topics.prompts());
            } finally {
                for (WorkerJvm w : workers) {
                    if (w != null) {
                        w.kill();
                    }
                }
            }
        }
    }

    /** A worker in its own JVM, as {@code java -jar umbra-worker.jar run} runs it, on the null model. */
    /**
     * A worker in its own JVM, as {@code java -jar umbra-worker.jar run} runs it, on the null model. Exactly once, a
     * restarted worker takes its predecessor's transactional id (as a StatefulSet's ordinal would give it), which
     * aborts what the killed one left open at once.
     */
    private static WorkerJvm startWorker(String id, int slot, Delivery delivery, String bootstrap,
            KafkaTestKit.Topics t, Path dir) throws IOException {
        return WorkerJvm.start(id, "256m", dir.resolve(id + ".log"), List.of("--bootstrap-servers", bootstrap,
                "--model", "null:8", "--decoder", "none", "--prompts-topic", t.prompts(), "--results-topic",
                t.results(), "--dead-letter-topic", t.deadLetters(), "--group-id", t.group(),
                "--delivery", delivery.cliName(), "--transactional-id", t.group() + "-slot-" + slot));
    }
}

package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.cli.UmbraCommand;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash churn: three worker processes in one group (the real CLI, {@code run --model null:8}, each its own JVM) on
 * the embedded broker; 3,000 requests arrive over about 15 s while one worker is killed with SIGKILL every 3 s and
 * started again. Every request is answered (zero lost); at least once means duplicates, counted and reported.
 */
class CrashChurnIntegrationTest {

    private static final int REQUESTS = 3_000;
    private static final int WORKERS = 3;
    private static final EventCodec CODEC = new EventCodec();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void killedWorkersLoseNothing(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            KafkaTestKit kit = new KafkaTestKit(broker.bootstrapServers());
            KafkaTestKit.Topics topics = kit.createTopics("churn", 6);
            Worker[] workers = new Worker[WORKERS];
            int started = 0;
            try {
                for (int i = 0; i < WORKERS; i++) {
                    workers[i] = Worker.start("w" + i + "-" + started++, broker.bootstrapServers(), topics, dir);
                }
                for (Worker w : workers) {
                    w.awaitAssigned();
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
                            workers[victim] = Worker.start("w" + victim + "-" + started++, broker.bootstrapServers(),
                                    topics, dir);
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
                    results = kit.readFor(topics.results(), Integer.MAX_VALUE, Duration.ofSeconds(2));
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
                String summary = String.format("crash churn: %d requests, %d workers, %d SIGKILLs over %.1f s of"
                        + " sending, %d answered, %d lost, %d duplicates (%.1f%%), all answered %.1f s after the"
                        + " first request", REQUESTS, WORKERS, kills, sendingSeconds, answers.size(), lost,
                        duplicates, 100.0 * duplicates / REQUESTS, allAnsweredSeconds);
                System.out.println(summary);
                assertTrue(kills >= 3, summary);
                assertEquals(0, lost, summary + "\n" + workers[0].log());
                kit.awaitFullyCommitted(topics.group(), topics.prompts());
            } finally {
                for (Worker w : workers) {
                    if (w != null) {
                        w.kill();
                    }
                }
            }
        }
    }

    /** A worker in its own JVM, as {@code java -jar umbra-worker.jar run} runs it, on the null model. */
    private record Worker(String id, Process process, Path logFile) {

        static Worker start(String id, String bootstrap, KafkaTestKit.Topics t, Path dir) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                    UmbraCommand.class.getName(), "run", "--bootstrap-servers", bootstrap, "--model", "null:8",
                    "--decoder", "none", "--prompts-topic", t.prompts(), "--results-topic", t.results(),
                    "--dead-letter-topic", t.deadLetters(), "--group-id", t.group(), "--worker-id", id,
                    // a killed member is noticed within seconds, not the default 45
                    "--kafka-property", "consumer.session.timeout.ms=6000",
                    "--kafka-property", "consumer.heartbeat.interval.ms=1000"));
            Path log = dir.resolve(id + ".log");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("DJL_OFFLINE", "true");
            return new Worker(id, pb.start(), log);
        }

        void awaitAssigned() throws Exception {
            KafkaTestKit.await(() -> log().contains("assigned [TopicPartition"), () -> id + " never joined:\n" + log());
        }

        void kill() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL: no drain, no commit, no leaving the group
            process.waitFor(30, TimeUnit.SECONDS);
        }

        String log() {
            try {
                return Files.exists(logFile) ? Files.readString(logFile) : "";
            } catch (IOException e) {
                return e.toString();
            }
        }
    }
}

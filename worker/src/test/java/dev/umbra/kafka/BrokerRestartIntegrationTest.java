package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.kafka.broker.BrokerOptions;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import dev.umbra.worker.EmbeddingEngine;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.file.Path;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stops in the middle of a run and starts again on the same log directory and ports. The worker is not
 * touched: it must recover by itself, and every request sent (before, during and after) is answered.
 */
class BrokerRestartIntegrationTest {

    private static final EventCodec CODEC = new EventCodec();

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theWorkerRecoversByItselfAndNothingIsLost(@TempDir Path dir) throws Exception {
        BrokerOptions options = BrokerOptions.defaults().withDataDir(dir.resolve("kafka"))
                .withBrokerPort(freePort()).withControllerPort(freePort());
        int n = 300;
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(options);
        try (EclipseModel model = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()),
                RuntimeOptions.defaults())) {
            KafkaTestKit kit = new KafkaTestKit(broker.bootstrapServers());
            KafkaTestKit.Topics topics = kit.createTopics("restart", 2);
            Vertx vertx = Vertx.vertx();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    "bootstrap.servers", broker.bootstrapServers(), "acks", "all", "enable.idempotence", "true",
                    "delivery.timeout.ms", "120000", "max.block.ms", "120000"),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                StreamingWorker worker = StreamingWorker.start(vertx, topics.config(kit.bootstrapServers()).build(),
                        EmbeddingEngine.of(model)).await(60, TimeUnit.SECONDS);
                List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
                for (int i = 0; i < n / 3; i++) {
                    sent.add(send(producer, topics.prompts(), "before-" + i));
                }
                KafkaTestKit.await(() -> worker.stats().resultsPublished() >= n / 6, worker::toString);

                broker.close();
                long down = System.nanoTime();
                // Back in 3 s, from another thread: a send blocks while the producer has no metadata.
                java.util.concurrent.CompletableFuture<EmbeddedKafkaBroker> restarted =
                        java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                            try {
                                Thread.sleep(3_000);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return EmbeddedKafkaBroker.start(options);
                        });
                for (int i = 0; i < n / 3; i++) { // sent while the broker is down: the producer holds them
                    sent.add(send(producer, topics.prompts(), "during-" + i));
                }
                broker = restarted.get(90, TimeUnit.SECONDS);
                long up = System.nanoTime();
                for (int i = 0; i < n / 3; i++) {
                    sent.add(send(producer, topics.prompts(), "after-" + i));
                }
                for (var f : sent) {
                    f.get(120, TimeUnit.SECONDS);
                }
                long published = worker.stats().resultsPublished();
                KafkaTestKit.await(() -> worker.stats().resultsPublished() > published, worker::toString);
                double recoverSeconds = (System.nanoTime() - up) / 1e9;

                kit.awaitFullyCommitted(topics.group(), topics.prompts());
                List<ConsumerRecord<byte[], byte[]>> results = kit.readFor(topics.results(), 10 * n,
                        Duration.ofSeconds(5));
                Map<String, Integer> answers = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : results) {
                    ImageResult result = CODEC.decodeImageResult(r.value());
                    assertEquals(Status.OK, result.getStatus(), result.getRequestId());
                    answers.merge(result.getRequestId(), 1, Integer::sum);
                }
                int duplicates = results.size() - answers.size();
                System.out.printf("broker restart: %d requests, %d answered, 0 lost, %d duplicates, broker down %.1f s,"
                        + " first answer %.1f s after it was back; %s%n", n, answers.size(), duplicates,
                        (up - down) / 1e9, recoverSeconds, worker.stats());
                assertEquals(n, answers.size(), "every request answered: " + answers.size() + " of " + n);
                worker.stop().await(60, TimeUnit.SECONDS);
            } finally {
                vertx.close().await(60, TimeUnit.SECONDS);
            }
        } finally {
            broker.close();
        }
    }

    private static java.util.concurrent.Future<?> send(KafkaProducer<byte[], byte[]> producer, String topic, String id) {
        return producer.send(new ProducerRecord<>(topic, id.getBytes(), CODEC.encode(
                KafkaTestKit.request(id, "a cat").setCreatedAt(Instant.now()).build())));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

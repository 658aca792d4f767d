package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.batch.BatchPolicy;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import dev.umbra.worker.EmbeddingEngine;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/** N prompts in, exactly N results out with matching ids, batches of more than one, offsets committed. */
final class EndToEndScenario {

    static final int MAX_BATCH_ROWS = 8;

    private EndToEndScenario() {}

    static void run(KafkaTestKit kit, EmbeddingEngine engine, String name, int n) throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics(name, 2);
        // The requests wait on the topic before the worker starts: a backlog that must form full batches.
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Set<String> sent = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            String id = name + "-" + i;
            sent.add(id);
            records.add(KafkaTestKit.record(topics.prompts(), KafkaTestKit.request(id, "a red cube number " + i).build()));
        }
        kit.produce(records);

        Vertx vertx = Vertx.vertx();
        try {
            WorkerConfig config = topics.config(kit.bootstrapServers())
                    .batchPolicy(new BatchPolicy(MAX_BATCH_ROWS, 50)).build();
            StreamingWorker worker = StreamingWorker.start(vertx, config, engine).await(60, TimeUnit.SECONDS);

            List<ConsumerRecord<byte[], byte[]>> out = kit.readAtLeast(topics.results(), n);
            List<ImageResult> results = out.stream().map(r -> KafkaTestKit.CODEC.decodeImageResult(r.value())).toList();
            assertEquals(n, results.size(), "results read");
            assertEquals(sent, results.stream().map(ImageResult::getRequestId).collect(Collectors.toCollection(TreeSet::new)));
            for (int i = 0; i < n; i++) {
                ImageResult r = results.get(i);
                assertEquals(Status.OK, r.getStatus(), r.getRequestId() + ": " + r.getErrorMessage());
                assertEquals(r.getRequestId(), new String(out.get(i).key(), StandardCharsets.UTF_8),
                        "results are keyed by request_id");
                assertEquals(1, r.getImages().size());
                assertEquals(engine.embeddingDim(), r.getImages().get(0).getImageEmbedding().size());
                assertTrue(r.getBatchSize() >= 1 && r.getBatchSize() <= MAX_BATCH_ROWS, "batch_size " + r.getBatchSize());
            }
            int largest = results.stream().mapToInt(ImageResult::getBatchSize).max().orElse(0);
            assertTrue(largest > 1, "a backlog of " + n + " requests formed no batch larger than one row");

            kit.awaitFullyCommitted(topics.group(), topics.prompts());
            assertEquals(n, kit.readFor(topics.results(), n + 1, Duration.ofMillis(500)).size(),
                    "exactly one result per request");
            worker.stop().await(60, TimeUnit.SECONDS);
        } finally {
            vertx.close().await(60, TimeUnit.SECONDS);
        }
    }
}

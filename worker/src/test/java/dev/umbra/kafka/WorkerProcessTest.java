package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.decoder.pool.DecoderOptions;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.DjlRuntime;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.ModelException;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import dev.umbra.worker.NullEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@code run} starts: the embedded default model served by name, answering, and committing on close. */
class WorkerProcessTest {

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void servesTheDefaultModelAndCommitsOnClose() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            KafkaTestKit kit = new KafkaTestKit(broker.bootstrapServers());
            KafkaTestKit.Topics topics = kit.createTopics("process", 1);
            WorkerConfig config = topics.config(broker.bootstrapServers()).build();
            try (WorkerProcess process = WorkerProcess.start(config, null, RuntimeOptions.defaults())) {
                assertEquals(EmbeddedModels.DEFAULT_MODEL_NAME, process.worker().servedModel());
                kit.produce(List.of(
                        KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("a", "a cat")
                                .setModel(EmbeddedModels.DEFAULT_MODEL_NAME).build()),
                        KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("b", "a dog").build())));
                assertEquals(List.of(Status.OK, Status.OK), kit.readAtLeast(topics.results(), 2).stream()
                        .map(r -> KafkaTestKit.CODEC.decodeImageResult(r.value()).getStatus()).toList());
            }
            assertEquals(Map.of(new TopicPartition(topics.prompts(), 0), 2L), kit.committed(topics.group()));
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void theNullModelAnswersWithFixedEmbeddingsAndSaysSo() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            KafkaTestKit kit = new KafkaTestKit(broker.bootstrapServers());
            KafkaTestKit.Topics topics = kit.createTopics("null", 1);
            WorkerConfig config = topics.config(broker.bootstrapServers()).build();
            try (WorkerProcess process = WorkerProcess.start(config, DecodeConfig.defaults(), Path.of("null:8"),
                    RuntimeOptions.defaults())) {
                assertEquals(NullEngine.NAME, process.worker().servedModel());
                assertTrue(process.decoding().stage() == null, "auto finds no decoder for the null model");
                kit.produce(List.of(
                        KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("a", "a cat").setNumImages(2).build()),
                        KafkaTestKit.record(topics.prompts(), KafkaTestKit.request("b", "a dog")
                                .setModel("umbra-shapes").build())));
                List<ImageResult> results = kit.readAtLeast(topics.results(), 2).stream()
                        .map(r -> KafkaTestKit.CODEC.decodeImageResult(r.value())).toList();
                ImageResult a = results.stream().filter(r -> r.getRequestId().equals("a")).findFirst().orElseThrow();
                assertEquals(Status.OK, a.getStatus());
                assertEquals(NullEngine.NAME, a.getModel().getName());
                assertTrue(a.getModel().getCheckpoints().get(0).getName().contains("no computation"));
                assertEquals(2, a.getImages().size());
                assertEquals(8, a.getImages().get(0).getImageEmbedding().size());
                assertEquals(a.getImages().get(0).getImageEmbedding(), a.getImages().get(1).getImageEmbedding());
                ImageResult b = results.stream().filter(r -> r.getRequestId().equals("b")).findFirst().orElseThrow();
                assertEquals(Status.REJECTED, b.getStatus(), "a request for a real model is not answered by it");
            }
            assertThrows(ModelException.class, () -> WorkerProcess.start(topics.config(broker.bootstrapServers())
                    .build(), new DecodeConfig(new DecoderOptions(DecoderOptions.SHAPES, 1, 32, 16, 2, 8, null,
                    Duration.ofMinutes(1)), DecodeConfig.defaults().stage(), DecodeConfig.DEFAULT_IMAGE_DIR),
                    Path.of("null"), RuntimeOptions.defaults()));
        }
    }

    @Test
    void inferenceLanesLeftToTheDeviceAreTwoOnACpuOfTwoCoresAndOneForTheNullModel() {
        WorkerConfig auto = WorkerConfig.builder("127.0.0.1:9").inferenceLanes(0).build();
        assertEquals(1, WorkerProcess.withLanes(auto, null).inferenceLanes(), "the null model");
        String threads = System.getProperty("ai.djl.pytorch.num_threads");
        try (EclipseModel model = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()),
                RuntimeOptions.defaults())) {
            // --threads 4 (a CPU limit of 4): two lanes of 2 threads; --threads 1: one lane of 1.
            DjlRuntime.setIntraOpThreads(4);
            assertEquals(2, WorkerProcess.withLanes(auto, model).inferenceLanes(), "a CPU of 4");
            assertEquals(2, DjlRuntime.intraOpThreads(), "half the cores each");
            DjlRuntime.setIntraOpThreads(1);
            assertEquals(1, WorkerProcess.withLanes(auto, model).inferenceLanes(), "one core");
            assertEquals(1, DjlRuntime.intraOpThreads());
            assertEquals(3, WorkerProcess.withLanes(auto.toBuilder().inferenceLanes(3).build(), model)
                    .inferenceLanes(), "as given");
        } finally {
            // This JVM's other tests keep libtorch's threads as they were.
            DjlRuntime.setIntraOpThreads(threads != null ? Integer.parseInt(threads)
                    : Runtime.getRuntime().availableProcessors());
            if (threads == null) {
                System.clearProperty("ai.djl.pytorch.num_threads");
            }
        }
    }
}

package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.schemas.Status;
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
}

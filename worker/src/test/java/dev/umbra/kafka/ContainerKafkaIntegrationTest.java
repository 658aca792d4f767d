package dev.umbra.kafka;

import dev.umbra.kafka.broker.KafkaCluster;
import dev.umbra.kafka.broker.KafkaClusters;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.worker.EmbeddingEngine;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The end-to-end scenario through Testcontainers' Kafka; skipped, saying why, where no Docker engine runs. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ContainerKafkaIntegrationTest {

    @Test
    void everyRequestGetsExactlyOneResultOnAContainerBroker() throws Exception {
        try (KafkaCluster kafka = KafkaClusters.container();
             EclipseModel model = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()),
                     RuntimeOptions.defaults())) {
            EndToEndScenario.run(new KafkaTestKit(kafka.bootstrapServers()), EmbeddingEngine.of(model),
                    "container", 20);
        }
    }
}

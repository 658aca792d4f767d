package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.io.Bytes;
import dev.umbra.kafka.broker.BrokerOptions;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.schemas.DeadLetter;
import dev.umbra.worker.EmbeddingEngine;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A results topic that disappears while the worker runs (on a broker that does not create topics by itself): the
 * answers go to the dead letters with the requests' own bytes and the reason, the partition's commits go on, and the
 * worker keeps running — rather than retrying forever with its partition held.
 */
class PublishFailureIntegrationTest {

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void answersATopicCannotTakeGoToTheDeadLettersAndCommitsGoOn() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(
                BrokerOptions.defaults().withProperty("auto.create.topics.enable", "false"));
             EclipseModel model = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()),
                     RuntimeOptions.defaults())) {
            KafkaTestKit kit = new KafkaTestKit(broker.bootstrapServers());
            KafkaTestKit.Topics topics = kit.createTopics("gone", 1);
            Vertx vertx = Vertx.vertx();
            try {
                // A short metadata wait, so that a missing topic shows in seconds rather than a minute.
                StreamingWorker worker = StreamingWorker.start(vertx, topics.config(kit.bootstrapServers())
                        .kafkaProperties(Map.of("producer.max.block.ms", "3000")).build(), EmbeddingEngine.of(model))
                        .await(60, TimeUnit.SECONDS);
                try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                    admin.deleteTopics(List.of(topics.results())).all().get(30, TimeUnit.SECONDS);
                }
                ProducerRecord<byte[], byte[]> request = KafkaTestKit.record(topics.prompts(),
                        KafkaTestKit.request("lost-topic", "a cat").build());
                kit.produce(List.of(request));

                DeadLetter letter = KafkaTestKit.CODEC.decodeDeadLetter(
                        kit.readFor(topics.deadLetters(), 1, Duration.ofSeconds(60)).get(0).value());
                assertEquals("PUBLISH_FAILED", letter.getErrorCode());
                assertTrue(letter.getReason().contains("result of lost-topic could not be published"),
                        letter.getReason());
                assertArrayEquals(request.value(), Bytes.of(letter.getOriginalValue()),
                        "the request's own bytes, to replay");
                kit.awaitFullyCommitted(topics.group(), topics.prompts());
                assertEquals(0, worker.stats().inFlightRows());
                worker.stop().await(60, TimeUnit.SECONDS);
            } finally {
                vertx.close().await(60, TimeUnit.SECONDS);
            }
        }
    }
}

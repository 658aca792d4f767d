package dev.umbra.kafka.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One produce/consume scenario on each {@link KafkaClusters.Kind}: the embedded broker always, the
 * Testcontainers Kafka only where a Docker engine runs (skipped otherwise, with the reason).
 */
class KafkaClustersTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @ParameterizedTest
    @EnumSource(KafkaClusters.Kind.class)
    void producesAndConsumesOnEitherKind(KafkaClusters.Kind kind) throws Exception {
        try (KafkaCluster kafka = KafkaClusters.start(kind)) {
            String topic = "round-trip";
            KafkaTopics.create(kafka.bootstrapServers(), List.of(TopicSpec.of(topic, 2)), WAIT);
            Set<String> sent = IntStream.range(0, 20).mapToObj(i -> "value-" + i).collect(Collectors.toSet());
            try (var producer = new KafkaProducer<String, String>(KafkaTestClients.producerProps(kafka.bootstrapServers()))) {
                for (String v : sent) {
                    producer.send(new ProducerRecord<>(topic, v, v)).get();
                }
            }
            try (var consumer = new KafkaConsumer<String, String>(
                    KafkaTestClients.consumerProps(kafka.bootstrapServers(), "round-trip-" + kind))) {
                consumer.subscribe(List.of(topic));
                Set<String> received = KafkaTestClients.pollAtLeast(consumer, sent.size(), WAIT).stream()
                        .map(ConsumerRecord::value).collect(Collectors.toSet());
                assertEquals(sent, received, "records read back from the " + kind + " cluster");
            }
        }
    }
}

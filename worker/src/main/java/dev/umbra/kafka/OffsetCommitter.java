package dev.umbra.kafka;

import io.vertx.core.Future;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * The step that commits consumer offsets. The worker calls it on its event loop once the results (or dead letters) of
 * every record below the offsets are acknowledged by the broker. Replaceable so that a test can make it fail and so
 * play a worker that crashed after publishing but before committing.
 */
@FunctionalInterface
public interface OffsetCommitter {

    /** Commits through the consumer itself. */
    OffsetCommitter KAFKA = (consumer, offsets) -> consumer.commit(offsets).mapEmpty();

    /** Commits {@code offsets} (the next offset to read, per partition); the future fails if the commit did. */
    Future<Void> commit(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, OffsetAndMetadata> offsets);

    /**
     * Commits on the consumer's own thread, inside a rebalance, where a Vert.x consumer call would queue behind the
     * rebalance itself; throws if the commit fails.
     */
    default void commitSync(Consumer<byte[], byte[]> consumer,
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets) {
        consumer.commitSync(offsets);
    }
}

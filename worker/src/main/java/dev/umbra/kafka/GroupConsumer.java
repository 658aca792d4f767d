package dev.umbra.kafka;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's Kafka consumer as handed to Vert.x, with what Vert.x does not give: a hook that runs on the consumer's
 * own thread before partitions are revoked, while this worker still owns them (Vert.x tells its revoked handler only
 * afterwards, on the event loop, when a commit may be too late), and the consumer group's metadata as of the last
 * rebalance, which a transaction sends with its offsets so that the broker refuses the commit of a worker the group
 * has moved on from (KIP-447).
 *
 * <p>Vert.x owns the consumer's thread; this class only wraps the {@link ConsumerRebalanceListener} Vert.x passes to
 * {@code subscribe} (a dynamic proxy over {@link Consumer}, which has some fifty methods to pass through unchanged).
 * Whoever closes the Vert.x consumer closes this one.
 */
final class GroupConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(GroupConsumer.class);

    /** Runs on the consumer's thread inside a rebalance, before {@code partitions} are taken away. */
    @FunctionalInterface
    interface RevocationHook {
        void beforeRevoke(Consumer<byte[], byte[]> consumer, Collection<TopicPartition> partitions);
    }

    private final Consumer<byte[], byte[]> kafka;
    private final Consumer<byte[], byte[]> proxy;
    private final RevocationHook hook;
    private final AtomicLong assignments = new AtomicLong();
    private volatile ConsumerGroupMetadata metadata;

    @SuppressWarnings("unchecked")
    GroupConsumer(Map<String, Object> config, RevocationHook hook) {
        this.hook = Objects.requireNonNull(hook, "hook");
        this.kafka = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        InvocationHandler handler = (p, method, args) -> {
            if (method.getName().equals("subscribe") && args != null && args.length == 2
                    && args[1] instanceof ConsumerRebalanceListener listener) {
                args = new Object[] {args[0], new Listener(listener)};
            }
            try {
                return method.invoke(kafka, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        this.proxy = (Consumer<byte[], byte[]>) Proxy.newProxyInstance(Consumer.class.getClassLoader(),
                new Class<?>[] {Consumer.class}, handler);
    }

    /** The consumer to give to Vert.x. */
    Consumer<byte[], byte[]> consumer() {
        return proxy;
    }

    /** How many assignments (rebalances this member took part in) the consumer's thread has seen. */
    long assignments() {
        return assignments.get();
    }

    /** The group's metadata as of the last rebalance callback; null before the first assignment. */
    ConsumerGroupMetadata groupMetadata() {
        return metadata;
    }

    private final class Listener implements ConsumerRebalanceListener {
        private final ConsumerRebalanceListener vertx;

        Listener(ConsumerRebalanceListener vertx) {
            this.vertx = vertx;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Eager: still the generation that owned them. Cooperative: already the next one, in which this member
            // owns nothing it is giving up; either way the group accepts this member's commits until it rejoins.
            metadata = kafka.groupMetadata();
            if (!partitions.isEmpty()) {
                try {
                    hook.beforeRevoke(kafka, partitions);
                } catch (RuntimeException e) {
                    LOG.warn("settling {} before their revocation failed: {}", partitions, e.toString());
                }
            }
            vertx.onPartitionsRevoked(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            metadata = kafka.groupMetadata();
            assignments.incrementAndGet();
            vertx.onPartitionsAssigned(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Already someone else's: nothing may be committed for them (the commit would fail anyway).
            vertx.onPartitionsLost(partitions);
        }
    }
}

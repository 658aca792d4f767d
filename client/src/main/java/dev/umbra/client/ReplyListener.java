package dev.umbra.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the reply topic on a thread of its own and hands every record's value on. It owns the consumer: created,
 * positioned and closed here.
 *
 * <p>No consumer group: the partitions are {@code assign}ed (only the one named when a reply partition is fixed) and
 * nothing is committed, because a client needs only the replies that come while it runs. The position at the end is
 * fetched before {@link #start} returns: {@code seekToEnd} alone is lazy, and a reply written between it and the
 * first poll would be skipped.
 */
final class ReplyListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplyListener.class);
    private static final Duration POLL = Duration.ofSeconds(1);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Consumer<byte[]> onValue;
    private final Thread thread;
    private volatile boolean closed;

    private ReplyListener(KafkaConsumer<byte[], byte[]> consumer, Consumer<byte[]> onValue, String name) {
        this.consumer = consumer;
        this.onValue = onValue;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /**
     * Assigns the topic's partitions (or the one given), positions them at the end and starts reading.
     *
     * @throws UmbraException when the topic or the partition does not exist
     */
    static ReplyListener start(Map<String, Object> props, String topic, Integer partition, Duration timeout,
            Consumer<byte[]> onValue) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = partitions(consumer, topic, partition, timeout);
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            for (TopicPartition tp : partitions) {
                consumer.position(tp, timeout);
            }
            ReplyListener listener = new ReplyListener(consumer, onValue, "umbra-client-replies-" + topic);
            listener.thread.start();
            return listener;
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    /** A topic just created may take a moment to appear in the metadata: asked again until the timeout. */
    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic,
            Integer partition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<PartitionInfo> infos;
        while ((infos = consumer.partitionsFor(topic, timeout)).isEmpty() && System.nanoTime() < deadline) {
            sleep(100);
        }
        if (infos.isEmpty()) {
            throw new UmbraException(null, "reply topic '" + topic + "' does not exist");
        }
        if (partition == null) {
            return infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
        }
        if (infos.stream().noneMatch(i -> i.partition() == partition)) {
            throw new UmbraException(null, "reply topic '" + topic + "' has " + infos.size() + " partition(s), no"
                    + " partition " + partition);
        }
        return List.of(new TopicPartition(topic, partition));
    }

    private void run() {
        try {
            while (!closed) {
                try {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                        try {
                            onValue.accept(record.value());
                        } catch (RuntimeException e) {   // one bad record must not stop every later answer
                            LOG.error("handling the reply at {}-{}@{} failed", record.topic(), record.partition(),
                                    record.offset(), e);
                        }
                    }
                } catch (WakeupException e) {
                    // close() wakes the poll; the loop condition ends it
                } catch (KafkaException e) {
                    // Broker gone, authorization... keep trying: the requests waiting time out meanwhile.
                    LOG.warn("reading replies failed, retrying in 1 s: {}", e.toString());
                    sleep(1000);
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

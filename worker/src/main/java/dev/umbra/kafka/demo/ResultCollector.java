package dev.umbra.kafka.demo;

import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.EventDecodeException;
import dev.umbra.schemas.ImageResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the results topic from the beginning on its own thread, writes every result event to a JSON-lines file as it
 * arrives, and keeps the first result of each request for the summary.
 */
final class ResultCollector implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResultCollector.class);

    /** The first result seen for a request, and when the demo received it. */
    record Received(ImageResult result, Instant receivedAt) {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final BufferedWriter out;
    private final EventCodec codec = new EventCodec();
    private final Map<String, Received> firstResults = new ConcurrentHashMap<>();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong undecodable = new AtomicLong();
    private final Thread thread;
    private volatile RuntimeException failure;
    private boolean closed;

    ResultCollector(String bootstrapServers, String topic, Path jsonLines) throws IOException {
        Files.createDirectories(jsonLines.toAbsolutePath().getParent());
        this.out = Files.newBufferedWriter(jsonLines, StandardCharsets.UTF_8);
        this.consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", bootstrapServers,
                "client.id", "umbra-demo-results",
                "enable.auto.commit", "false"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        // No group: read every partition of the topic from its start.
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::run, "umbra-demo-results");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try {
            while (true) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    accept(record);
                }
                out.flush();
            }
        } catch (WakeupException e) {
            // close() asked us to stop.
        } catch (IOException e) {
            failure = new UncheckedIOException("cannot write results", e);
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    private void accept(ConsumerRecord<byte[], byte[]> record) throws IOException {
        Instant now = Instant.now();
        ImageResult result;
        try {
            result = codec.decodeImageResult(record.value());
        } catch (EventDecodeException e) {
            undecodable.incrementAndGet();
            LOG.warn("results record {}-{}@{} is not an ImageResult: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return;
        }
        out.write(AvroJson.toJson(result).encode());
        out.newLine();
        events.incrementAndGet();
        firstResults.putIfAbsent(result.getRequestId(), new Received(result, now));
    }

    /** Result events read so far, repeats included. */
    long events() {
        return events.get();
    }

    long undecodable() {
        return undecodable.get();
    }

    Map<String, Received> firstResults() {
        return firstResults;
    }

    /** Fails if the reading thread died. */
    void checkHealthy() {
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        consumer.wakeup();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close();
        out.close();
    }
}

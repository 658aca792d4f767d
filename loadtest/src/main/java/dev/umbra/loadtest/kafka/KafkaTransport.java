package dev.umbra.loadtest.kafka;

import dev.umbra.loadtest.load.Transport;
import dev.umbra.loadtest.measure.Arrival;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.EventDecodeException;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PromptRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The load generator on Kafka: PromptRequests to the prompts topic (keyed by request_id, as any client would send
 * them), ImageResults read from the results topic.
 *
 * <p>The results consumer belongs to no group: it assigns itself every partition of the results topic and seeks to
 * their end before the first request leaves, so that results written before the run are never read, and it commits
 * nothing. It lives on its own thread ({@code umbra-loadtest-results}), which alone touches it; {@link #close()}
 * wakes it and waits for it to close the consumer. The producer (acks=all, idempotent, no linger: a request leaves
 * when it is due) is thread-safe and closed by {@link #close()} after the consumer.
 */
public final class KafkaTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransport.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaSettings kafka;
    private final String promptsTopic;
    private final String resultsTopic;
    private final EventCodec codec;
    private final Duration setupTimeout;
    private KafkaProducer<byte[], byte[]> producer;
    private KafkaConsumer<byte[], byte[]> consumer;
    private Thread poller;
    private volatile boolean running;

    /**
     * @param setupTimeout how long {@link #open} may take to find the topics and their end offsets
     */
    public KafkaTransport(KafkaSettings kafka, String promptsTopic, String resultsTopic, EventCodec codec,
            Duration setupTimeout) {
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        this.promptsTopic = Objects.requireNonNull(promptsTopic, "promptsTopic");
        this.resultsTopic = Objects.requireNonNull(resultsTopic, "resultsTopic");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.setupTimeout = Objects.requireNonNull(setupTimeout, "setupTimeout");
    }

    /** Producer settings: the worker's delivery guarantees, and no linger so that each request leaves when due. */
    Map<String, Object> producerConfig() {
        Map<String, Object> props = kafka.forClient("producer");
        props.putIfAbsent("acks", "all");
        props.putIfAbsent("enable.idempotence", "true");
        props.putIfAbsent("linger.ms", "0");
        props.putIfAbsent("client.id", "umbra-loadtest-prompts");
        return props;
    }

    Map<String, Object> consumerConfig() {
        Map<String, Object> props = kafka.forClient("consumer");
        props.putIfAbsent("client.id", "umbra-loadtest-results");
        props.putIfAbsent("allow.auto.create.topics", "false");
        props.put("enable.auto.commit", "false");
        return props;
    }

    @Override
    public synchronized void open(ResultHandler handler) throws Exception {
        if (poller != null) {
            throw new IllegalStateException("already open");
        }
        Topics.require(kafka, List.of(promptsTopic, resultsTopic), setupTimeout);
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        running = true;
        try {
            producer = new KafkaProducer<>(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
            consumer = new KafkaConsumer<>(consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            poller = new Thread(() -> pollResults(handler, ready), "umbra-loadtest-results");
            poller.setDaemon(true);
            poller.start();
            // The first send would otherwise wait for the prompts topic's metadata, inside the measured latency.
            producer.partitionsFor(promptsTopic);
            int partitions = ready.get(setupTimeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.debug("reading {} from its end ({} partitions)", resultsTopic, partitions);
        } catch (TimeoutException e) {
            close();
            throw new IllegalStateException("the end offsets of " + resultsTopic + " at " + kafka.bootstrapServers()
                    + " were not known within " + setupTimeout.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            close();
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    @Override
    public void send(PromptRequest request, SendCallback callback) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(promptsTopic,
                request.getRequestId().getBytes(StandardCharsets.UTF_8), codec.encode(request));
        producer.send(record, (metadata, error) -> callback.completed(error));
    }

    @Override
    public synchronized void close() {
        running = false;
        if (poller != null) {
            try {
                consumer.wakeup();
            } catch (RuntimeException e) {
                LOG.debug("waking the results consumer: {}", e.toString()); // it already closed itself
            }
            try {
                poller.join(CLOSE_TIMEOUT.toMillis() * 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (poller.isAlive()) {
                LOG.warn("the results consumer did not stop within {} s", CLOSE_TIMEOUT.toSeconds() * 2);
            }
            poller = null;
        } else if (consumer != null) {
            consumer.close(CLOSE_TIMEOUT);
        }
        consumer = null;
        if (producer != null) {
            producer.close(CLOSE_TIMEOUT);
            producer = null;
        }
    }

    /** The consumer's thread: positions at the end of every partition, signals ready, then polls until closed. */
    private void pollResults(ResultHandler handler, CompletableFuture<Integer> ready) {
        KafkaConsumer<byte[], byte[]> c = consumer;
        try {
            List<TopicPartition> partitions = c.partitionsFor(resultsTopic, setupTimeout).stream()
                    .map(p -> new TopicPartition(resultsTopic, p.partition())).toList();
            c.assign(partitions);
            c.seekToEnd(partitions);
            // seekToEnd is lazy: position() makes the end offsets real now, before the first request is sent.
            for (TopicPartition tp : partitions) {
                c.position(tp, setupTimeout);
            }
            ready.complete(partitions.size());
            while (running) {
                ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
                long now = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    deliver(handler, r, now);
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            if (!ready.completeExceptionally(e)) {
                LOG.error("the results consumer failed; results from now on are not seen: {}", e.toString());
            }
        } finally {
            c.close(CLOSE_TIMEOUT);
        }
    }

    private void deliver(ResultHandler handler, ConsumerRecord<byte[], byte[]> r, long now) {
        ImageResult result;
        try {
            result = codec.decodeImageResult(r.value());
        } catch (EventDecodeException e) {
            handler.onUndecodable();
            return;
        }
        handler.onResult(Arrival.of(result, r.value().length, now));
    }
}

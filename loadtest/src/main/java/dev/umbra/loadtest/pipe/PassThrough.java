package dev.umbra.loadtest.pipe;

import dev.umbra.loadtest.kafka.KafkaSettings;
import dev.umbra.loadtest.kafka.Topics;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.EventDecodeException;
import dev.umbra.schemas.PromptRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The baseline: the worker's Kafka pipe without the worker. It reads the prompts topic in a consumer group and writes,
 * for each record, an OK ImageResult of the worker's size ({@link BaselineResults}) to the results topic, keyed by
 * request_id, with the worker's delivery settings: read from the earliest offset when the group has none, an
 * idempotent producer with {@code acks=all} and {@code linger.ms=5}, offsets committed by hand only once the broker
 * acknowledged the answers of every record before them. A load run against it measures what Kafka, the network and
 * the clients cost, the floor under any worker's latency and the ceiling over its throughput on that cluster.
 *
 * <p>Values that are not PromptRequests are skipped and counted (the worker would dead-letter them). One thread
 * ({@code umbra-baseline}) owns the consumer and does all the work; the producer's acknowledgements come back to it
 * through a queue. {@link #close()} stops it cleanly: in-flight answers are flushed and their offsets committed.
 */
public final class PassThrough implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PassThrough.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * @param kafka        the cluster and extra client properties
     * @param promptsTopic read
     * @param resultsTopic written
     * @param groupId      the consumer group (give every baseline of one cluster the same, as workers share theirs)
     * @param workerId     the results' worker_id
     * @param embeddingDim floats per image embedding of the results
     * @param resultBytes  exact encoded size of every result, 0 for their natural size
     */
    public record Config(KafkaSettings kafka, String promptsTopic, String resultsTopic, String groupId,
            String workerId, int embeddingDim, int resultBytes) {

        public static final String DEFAULT_GROUP_ID = "umbra-baseline";

        public Config {
            Objects.requireNonNull(kafka, "kafka");
            Objects.requireNonNull(promptsTopic, "promptsTopic");
            Objects.requireNonNull(resultsTopic, "resultsTopic");
            if (groupId == null || groupId.isBlank()) {
                throw new IllegalArgumentException("--group-id must not be blank");
            }
            Objects.requireNonNull(workerId, "workerId");
            if (embeddingDim < 1) {
                throw new IllegalArgumentException("--embedding-dim must be at least 1 (got " + embeddingDim + ")");
            }
            if (resultBytes < 0) {
                throw new IllegalArgumentException("--result-bytes must not be negative (got " + resultBytes + ")");
            }
        }
    }

    /**
     * Counters, readable from any thread.
     *
     * @param received    prompts records read
     * @param published   answers acknowledged by the broker
     * @param undecodable records skipped: not PromptRequests
     * @param oversize    answers larger than the asked size even unpadded (sent as they were)
     * @param sendRetries answers the producer gave up on (a retriable error) and that were sent again
     * @param sendFailures answers that cannot be published (too large, not authorized...): skipped
     * @param commits     successful offset commits
     * @param partitions  prompts partitions currently assigned
     */
    public record Stats(long received, long published, long undecodable, long oversize, long sendRetries,
            long sendFailures, long commits, int partitions) {
    }

    /** A producer callback's news, handed back to the poll thread. */
    private record Ack(TopicPartition partition, long offset, ProducerRecord<byte[], byte[]> record, Exception error) {
    }

    private final Config config;
    private final BaselineResults results;
    private final EventCodec codec;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AckedOffsets<TopicPartition> offsets = new AckedOffsets<>();
    private final Queue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Integer> assigned = new CompletableFuture<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong undecodable = new AtomicLong();
    private final AtomicLong oversize = new AtomicLong();
    private final AtomicLong sendRetries = new AtomicLong();
    private final AtomicLong sendFailures = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicInteger partitions = new AtomicInteger();
    private final Thread thread;
    private volatile Throwable failure;

    private PassThrough(Config config, EventCodec codec) {
        this.config = config;
        this.codec = codec;
        this.results = new BaselineResults(codec, config.workerId(), config.embeddingDim(), config.resultBytes());
        this.producer = new KafkaProducer<>(producerConfig(config), new ByteArraySerializer(),
                new ByteArraySerializer());
        try {
            this.consumer = new KafkaConsumer<>(consumerConfig(config), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
        } catch (RuntimeException e) {
            producer.close(CLOSE_TIMEOUT);
            throw e;
        }
        this.thread = new Thread(this::loop, "umbra-baseline");
    }

    /**
     * Checks the topics, starts the pass-through and waits until the group gave it partitions.
     *
     * @throws IllegalArgumentException if a topic is missing
     * @throws IllegalStateException    if the cluster does not answer, or no partition is assigned within
     *                                  {@code readyTimeout}; nothing is left running
     */
    public static PassThrough start(Config config, EventCodec codec, Duration readyTimeout)
            throws InterruptedException {
        Topics.require(config.kafka(), List.of(config.promptsTopic(), config.resultsTopic()), readyTimeout);
        PassThrough pipe = new PassThrough(config, codec);
        pipe.thread.start();
        try {
            int n = pipe.assigned.get(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("baseline {} passing {} -> {} ({} partitions, group {})", config.workerId(),
                    config.promptsTopic(), config.resultsTopic(), n, config.groupId());
            return pipe;
        } catch (TimeoutException e) {
            pipe.close();
            throw new IllegalStateException("the baseline got no partition of " + config.promptsTopic()
                    + " in group " + config.groupId() + " within " + readyTimeout.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            pipe.close();
            throw new IllegalStateException("the baseline could not start: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            pipe.close();
            throw e;
        }
    }

    static Map<String, Object> producerConfig(Config config) {
        Map<String, Object> props = config.kafka().forClient("producer");
        // The worker's delivery settings (WorkerVerticle): these are what the baseline must match.
        props.put("acks", "all");
        props.put("enable.idempotence", "true");
        props.putIfAbsent("linger.ms", "5");
        props.putIfAbsent("client.id", config.workerId() + "-producer");
        return props;
    }

    static Map<String, Object> consumerConfig(Config config) {
        Map<String, Object> props = config.kafka().forClient("consumer");
        props.put("auto.offset.reset", "earliest");
        props.put("enable.auto.commit", "false");
        props.put("group.id", config.groupId());
        props.putIfAbsent("client.id", config.workerId() + "-consumer");
        return props;
    }

    public Stats stats() {
        return new Stats(received.get(), published.get(), undecodable.get(), oversize.get(), sendRetries.get(),
                sendFailures.get(), commits.get(), partitions.get());
    }

    /**
     * Waits until the pass-through has stopped, by {@link #close()} or by a failure.
     *
     * @return the failure, or null after a clean stop
     */
    public Throwable awaitStopped() throws InterruptedException {
        thread.join();
        return failure;
    }

    /** Stops: no more fetching; answers in flight flushed, their offsets committed; clients closed. Idempotent. */
    @Override
    public void close() {
        if (running.compareAndSet(true, false)) {
            consumer.wakeup();
        }
        if (thread.isAlive() && thread != Thread.currentThread()) {
            try {
                thread.join(CLOSE_TIMEOUT.toMillis() * 3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!thread.isAlive() && thread.getState() == Thread.State.NEW) {
            // never started: the clients are still ours to close
            consumer.close(CLOSE_TIMEOUT);
            producer.close(CLOSE_TIMEOUT);
        }
    }

    private void loop() {
        try {
            consumer.subscribe(List.of(config.promptsTopic()), new Rebalance());
            while (running.get()) {
                var records = consumer.poll(POLL);
                Instant receivedAt = Instant.now();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    answer(r, receivedAt);
                }
                settle(true);
                commitAsync();
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            LOG.error("the baseline failed: {}", e.toString(), e);
            failure = e;
            assigned.completeExceptionally(e);
        } finally {
            shutDown();
        }
    }

    private void answer(ConsumerRecord<byte[], byte[]> r, Instant receivedAt) {
        received.incrementAndGet();
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        offsets.track(tp, r.offset());
        PromptRequest request;
        try {
            request = codec.decodePromptRequest(r.value());
        } catch (EventDecodeException e) {
            undecodable.incrementAndGet();
            offsets.done(tp, r.offset());
            return;
        }
        BaselineResults.Encoded encoded = results.encode(request, receivedAt);
        if (!encoded.fits()) {
            oversize.incrementAndGet();
        }
        send(tp, r.offset(), new ProducerRecord<>(config.resultsTopic(),
                request.getRequestId().getBytes(StandardCharsets.UTF_8), encoded.value()));
    }

    private void send(TopicPartition tp, long offset, ProducerRecord<byte[], byte[]> record) {
        producer.send(record, (metadata, error) -> acks.add(new Ack(tp, offset, record, error)));
    }

    /** Takes the acknowledgements in: done records move the commit mark; failed sends go again if {@code resend}. */
    private void settle(boolean resend) {
        for (Ack ack = acks.poll(); ack != null; ack = acks.poll()) {
            if (ack.error() == null) {
                published.incrementAndGet();
                offsets.done(ack.partition(), ack.offset());
            } else if (!(ack.error() instanceof RetriableException)) {
                // Too large, not authorized...: sending it again cannot help. Skipped and counted, as a dead letter.
                if (sendFailures.getAndIncrement() == 0) {
                    LOG.warn("an answer cannot be published; skipping it (further failures only counted): {}",
                            ack.error().toString());
                }
                offsets.done(ack.partition(), ack.offset());
            } else if (resend) {
                // Never commit past an unanswered record: the worker retries too.
                if (sendRetries.getAndIncrement() == 0) {
                    LOG.warn("an answer was not acknowledged; sending it again (further retries only counted): {}",
                            ack.error().toString());
                }
                send(ack.partition(), ack.offset(), ack.record());
            }
        }
    }

    private void commitAsync() {
        Map<TopicPartition, OffsetAndMetadata> toCommit = toCommit();
        if (!toCommit.isEmpty()) {
            consumer.commitAsync(toCommit, (committed, error) -> {
                if (error == null) {
                    commits.incrementAndGet();
                    committed.forEach((tp, om) -> offsets.committed(tp, om.offset()));
                } else {
                    LOG.debug("commit failed (the next one covers it): {}", error.toString());
                }
            });
        }
    }

    private void commitSync() {
        Map<TopicPartition, OffsetAndMetadata> toCommit = toCommit();
        if (!toCommit.isEmpty()) {
            consumer.commitSync(toCommit, CLOSE_TIMEOUT);
            commits.incrementAndGet();
            toCommit.forEach((tp, om) -> offsets.committed(tp, om.offset()));
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> toCommit() {
        Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
        offsets.committable().forEach((tp, offset) -> toCommit.put(tp, new OffsetAndMetadata(offset)));
        return toCommit;
    }

    private void shutDown() {
        try {
            producer.flush();
            settle(false);
            try {
                commitSync();
            } catch (WakeupException e) {
                commitSync(); // the wake-up of close() landed here instead of in poll()
            }
        } catch (RuntimeException e) {
            LOG.warn("final commit failed; unanswered records will be read again: {}", e.toString());
        } finally {
            consumer.close(CLOSE_TIMEOUT);
            producer.close(CLOSE_TIMEOUT);
            LOG.info("baseline {} stopped: {}", config.workerId(), stats());
        }
    }

    /** On the poll thread, inside poll(): commit what is done before partitions go, and say when we got some. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            producer.flush();
            settle(false);
            try {
                commitSync();
            } catch (RuntimeException e) {
                LOG.warn("commit before a rebalance failed; those records will be answered again: {}", e.toString());
            }
            offsets.revoke(revoked);
            partitions.addAndGet(-revoked.size());
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> added) {
            int now = partitions.addAndGet(added.size());
            if (now > 0) {
                assigned.complete(now);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            offsets.revoke(lost);
            partitions.addAndGet(-lost.size());
        }
    }
}

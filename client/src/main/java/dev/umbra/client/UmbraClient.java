package dev.umbra.client;

import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.EventDecodeException;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PromptRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.AvroRuntimeException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An asynchronous client of Umbra workers over Kafka: each request names this client's reply topic, the worker
 * answers there, and the answer completes the request's future, matched by request id.
 *
 * <pre>{@code
 * try (UmbraClient client = UmbraClient.builder("broker:9092").build()) {
 *     ImageResult result = client.generate("a red circle").get();
 * }
 * }</pre>
 *
 * <p>A future completes exactly once: with the {@link ImageResult} when the worker answers OK; with a
 * {@link RejectedException}, {@link ExpiredException} or {@link FailedException} (each carrying the answer) when it
 * answers otherwise; with a {@link ReplyTimeoutException} when no answer comes within the request's timeout; with a
 * {@link TooManyOutstandingException} when no slot frees up in time; with a {@link ClientClosedException} when the
 * client is closed first. Delivery is at least once, so a worker that restarts may answer a request twice: the second
 * answer, like one that comes after the timeout or a cancel, is ignored and counted ({@link #stats()}).
 *
 * <p>Thread-safe: share one client per process. Futures are completed on the callback executor (by default the common
 * fork-join pool), never on the client's reply thread, so dependent actions may block.
 */
public final class UmbraClient implements AutoCloseable {

    public static final String DEFAULT_PROMPTS_TOPIC = "umbra.prompts";
    /**
     * The reply topic is this and the client id unless {@link Builder#replyTopic} names one: a name the workers'
     * default {@code --reply-topics} ({@code umbra\.replies\..+}) allows.
     */
    public static final String REPLY_TOPIC_PREFIX = "umbra.replies.";
    public static final int DEFAULT_MAX_OUTSTANDING = 1000;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(UmbraClient.class);
    /** Properties the client sets itself: another value would break it. */
    private static final Set<String> OWNED_PROPERTIES = Set.of("bootstrap.servers", "client.id", "group.id",
            "key.serializer", "value.serializer", "key.deserializer", "value.deserializer", "enable.auto.commit");

    private final Builder config;
    private final String clientId;
    private final String replyTopic;
    private final boolean deleteReplyTopic;
    private final EventCodec codec = new EventCodec();
    private final Outstanding outstanding;
    private final ScheduledThreadPoolExecutor timers;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ReplyListener replies;
    private final AtomicLong undecodable = new AtomicLong();
    private volatile boolean closed;

    private UmbraClient(Builder b) {
        this.config = b.copy();
        this.clientId = b.clientId != null ? b.clientId : "umbra-client-" + UUID.randomUUID().toString().substring(0, 8);
        this.replyTopic = b.replyTopic != null ? b.replyTopic : REPLY_TOPIC_PREFIX + clientId;
        this.outstanding = new Outstanding(b.maxOutstanding, b.callbackExecutor);
        boolean created = b.createReplyTopic && createTopic();
        // A generated client id cannot be used again, so neither can its topic: delete it unless told otherwise.
        this.deleteReplyTopic = created && b.deleteReplyTopicOnClose.orElse(b.clientId == null);
        ReplyListener replies = null;
        KafkaProducer<byte[], byte[]> producer = null;
        ScheduledThreadPoolExecutor timers;
        try {
            // The reply thread is positioned before anything is sent, so no answer can come before it listens.
            // Never auto-created by looking it up: a missing topic is an error the caller must see.
            replies = ReplyListener.start(props("consumer", "-replies", Map.of("auto.offset.reset", "latest",
                    "enable.auto.commit", "false", "allow.auto.create.topics", "false")), replyTopic,
                    b.replyPartition, b.startTimeout, this::onReply);
            producer = new KafkaProducer<>(props("producer", "-requests", Map.of("acks", "all",
                    "enable.idempotence", "true")), new ByteArraySerializer(), new ByteArraySerializer());
            timers = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "umbra-client-timeouts-" + clientId);
                t.setDaemon(true);
                return t;
            });
            timers.setRemoveOnCancelPolicy(true);   // answered requests' timers must not pile up
        } catch (RuntimeException e) {
            if (producer != null) {
                producer.close(Duration.ZERO);
            }
            if (replies != null) {
                replies.close();
            }
            deleteTopicIfOurs(deleteReplyTopic);
            throw e;
        }
        this.replies = replies;
        this.producer = producer;
        this.timers = timers;
        LOG.info("client {} sends to {} and reads replies on {}{}", clientId, config.promptsTopic, replyTopic,
                b.replyPartition == null ? "" : " partition " + b.replyPartition);
    }

    /** A client of the Kafka cluster at {@code bootstrapServers} ({@code host:port[,...]}); see {@link Builder}. */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /**
     * A request for {@code prompt} with a fresh request id (a random UUID) and {@code created_at} now; set more
     * (images, seed, metadata, decoder options, deadline) on the builder before {@code build()}.
     */
    public static PromptRequest.Builder newRequest(String prompt) {
        return PromptRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setPrompt(prompt)
                .setCreatedAt(Instant.now());
    }

    /** {@link #generate(PromptRequest, Duration)} of {@code prompt} with the default timeout. */
    public CompletableFuture<ImageResult> generate(String prompt) {
        return generate(newRequest(prompt).build(), config.defaultTimeout);
    }

    /** {@link #generate(PromptRequest, Duration)} of {@code prompt}. */
    public CompletableFuture<ImageResult> generate(String prompt, Duration timeout) {
        return generate(newRequest(prompt).build(), timeout);
    }

    /** {@link #generate(PromptRequest, Duration)} with the default timeout. */
    public CompletableFuture<ImageResult> generate(PromptRequest request) {
        return generate(request, config.defaultTimeout);
    }

    /**
     * Sends one request; the future completes with its answer or one of the errors of the class comment.
     *
     * <p>The request is copied, not changed. The copy gets this client's reply topic (and partition), a request id
     * and {@code created_at} if it has none, and a {@code deadline} of now + {@code timeout} if it has none, so that
     * a worker does not compute an answer nobody waits for any more (it answers EXPIRED instead).
     *
     * <p>Backpressure: with {@code maxOutstanding} requests unanswered, this call blocks until one finishes, for at
     * most {@code maxBlock}; then the future fails with {@link TooManyOutstandingException} and nothing is sent
     * ({@code maxBlock(Duration.ZERO)} never blocks). Sending itself may block while Kafka's producer buffer is full
     * or the prompts topic's metadata is fetched ({@code max.block.ms}).
     *
     * <p>{@code cancel} on the future frees its slot at once; its answer, if it comes, is ignored.
     *
     * @param timeout how long to wait for the answer, counted from when the request is sent
     * @throws IllegalArgumentException if the request names another reply topic or partition than this client's
     */
    public CompletableFuture<ImageResult> generate(PromptRequest request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        requirePositive("timeout", timeout);
        PromptRequest.Builder b = PromptRequest.newBuilder(request);
        if (!b.hasRequestId()) {
            b.setRequestId(UUID.randomUUID().toString());
        }
        String id = b.getRequestId();
        if (closed) {
            return CompletableFuture.failedFuture(new ClientClosedException(id));
        }
        boolean acquired;
        try {
            acquired = outstanding.acquire(config.maxBlock);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(new UmbraException(id, "interrupted while waiting for a slot for"
                    + " request " + id, e));
        }
        if (!acquired) {
            return CompletableFuture.failedFuture(new TooManyOutstandingException(id, outstanding.maxOutstanding(),
                    config.maxBlock));
        }
        if (closed) {
            outstanding.releaseUnused();
            return CompletableFuture.failedFuture(new ClientClosedException(id));
        }
        PromptRequest prepared;
        try {
            prepared = prepare(b, timeout);
        } catch (RuntimeException e) {
            outstanding.releaseUnused();
            throw e;
        }
        Outstanding.Pending p = outstanding.register(id, timeout);
        if (p == null) {
            outstanding.releaseUnused();
            throw new IllegalArgumentException("request id '" + id + "' is already outstanding");
        }
        try {
            p.timer = timers.schedule(() -> outstanding.onTimeout(p), timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            closed = true;   // only a closing client's timer refuses
        }
        if (closed) {   // close() ran meanwhile and may not have seen this one
            outstanding.fail(p, new ClientClosedException(id), true);
            return p.future;
        }
        try {
            producer.send(new ProducerRecord<>(config.promptsTopic, id.getBytes(StandardCharsets.UTF_8),
                    codec.encode(prepared)), (metadata, e) -> {
                        if (e != null) {
                            outstanding.fail(p, new UmbraException(id, "request " + id + " could not be sent to "
                                    + config.promptsTopic + ": " + e, e), false);
                        }
                    });
            outstanding.sent.incrementAndGet();
        } catch (RuntimeException e) {   // closed producer, buffer full past max.block.ms, oversized record...
            outstanding.fail(p, new UmbraException(id, "request " + id + " could not be sent to "
                    + config.promptsTopic + ": " + e, e), false);
        }
        return p.future;
    }

    /** {@link #generateAll(List, Duration)} with the default timeout. */
    public CompletableFuture<List<ImageResult>> generateAll(List<PromptRequest> requests) {
        return generateAll(requests, config.defaultTimeout);
    }

    /**
     * Sends every request (each as {@link #generate(PromptRequest, Duration)}, with its own timeout and slot, so a
     * batch larger than {@code maxOutstanding} blocks as it goes) and completes with all answers in request order,
     * or fails with the first error; the requests not yet finished are then cancelled and the rest are not sent.
     * Cancelling the returned future cancels them all. For each request's own outcome instead, call
     * {@code generate} for each and combine the futures yourself.
     */
    public CompletableFuture<List<ImageResult>> generateAll(List<PromptRequest> requests, Duration timeout) {
        CompletableFuture<List<ImageResult>> all = new CompletableFuture<>();
        List<CompletableFuture<ImageResult>> futures = new ArrayList<>(requests.size());
        try {
            for (PromptRequest request : requests) {
                if (all.isDone()) {
                    break;   // a request failed already (or the caller cancelled): send no more
                }
                CompletableFuture<ImageResult> f = generate(request, timeout);
                futures.add(f);
                f.whenComplete((r, e) -> {
                    if (e != null) {
                        all.completeExceptionally(e instanceof CompletionException && e.getCause() != null
                                ? e.getCause() : e);
                    }
                });
            }
        } catch (RuntimeException e) {   // an invalid request: the batch is not sent, what was is cancelled
            futures.forEach(f -> f.cancel(false));
            throw e;
        }
        all.whenComplete((r, e) -> {
            if (e != null) {
                futures.forEach(f -> f.cancel(false));
            }
        });
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            if (e == null) {
                all.complete(futures.stream().map(CompletableFuture::join).toList());
            }
        });
        return all;
    }

    /** Requests sent and not finished: the slots in use, at most {@code maxOutstanding}. */
    public int outstanding() {
        return outstanding.size();
    }

    public ClientStats stats() {
        Outstanding o = outstanding;
        return new ClientStats(o.size(), o.sent.get(), o.answered.get(), o.timedOut.get(), o.cancelled.get(),
                o.duplicates.get(), o.late.get(), o.unknown.get(), undecodable.get());
    }

    public String clientId() {
        return clientId;
    }

    /** The topic this client's answers come on. */
    public String replyTopic() {
        return replyTopic;
    }

    /**
     * Fails every request still waiting with {@link ClientClosedException} (before this returns), stops the reply
     * thread, closes the Kafka clients, and deletes the reply topic if this client created it and was told to.
     * It does not wait for answers: wait on the futures first for that.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        outstanding.wakeAllWaiters();
        for (Outstanding.Pending p : outstanding.all()) {
            outstanding.fail(p, new ClientClosedException(p.requestId), true);
        }
        timers.shutdownNow();
        replies.close();
        producer.close(Duration.ofSeconds(5));
        deleteTopicIfOurs(deleteReplyTopic);
    }

    private PromptRequest prepare(PromptRequest.Builder b, Duration timeout) {
        if (b.getReplyTopic() != null && !b.getReplyTopic().equals(replyTopic)
                || b.getReplyPartition() != null && !b.getReplyPartition().equals(config.replyPartition)) {
            throw new IllegalArgumentException("request " + b.getRequestId() + " names reply topic "
                    + b.getReplyTopic() + " partition " + b.getReplyPartition() + ", but this client reads "
                    + replyTopic + " partition " + config.replyPartition + ": leave them unset");
        }
        Instant now = Instant.now();
        if (!b.hasCreatedAt()) {
            b.setCreatedAt(now);
        }
        if (b.getDeadline() == null) {
            b.setDeadline(now.plus(timeout));
        }
        try {
            return b.setReplyTopic(replyTopic).setReplyPartition(config.replyPartition).build();
        } catch (AvroRuntimeException e) {   // a request made without its required fields (no prompt)
            throw new IllegalArgumentException("request " + b.getRequestId() + " is incomplete: " + e.getMessage(), e);
        }
    }

    private void onReply(byte[] value) {
        ImageResult result;
        try {
            result = codec.decodeImageResult(value);
        } catch (EventDecodeException e) {
            undecodable.incrementAndGet();
            LOG.warn("ignored a record on {} that is not an ImageResult: {}", replyTopic, e.getMessage());
            return;
        }
        outstanding.onReply(result);
    }

    /** Creates the reply topic with one partition; false if it existed already (then it is never deleted). */
    private boolean createTopic() {
        try (Admin admin = Admin.create(props("admin", "-admin", Map.of()))) {
            admin.createTopics(List.of(new NewTopic(replyTopic, Optional.of(1), Optional.empty()))).all()
                    .get(config.startTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw new UmbraException(null, "could not create reply topic '" + replyTopic + "': " + e.getCause(),
                    e.getCause());
        } catch (Exception e) {
            throw new UmbraException(null, "could not create reply topic '" + replyTopic + "': " + e, e);
        }
    }

    private void deleteTopicIfOurs(boolean delete) {
        if (!delete) {
            return;
        }
        try (Admin admin = Admin.create(props("admin", "-admin", Map.of()))) {
            admin.deleteTopics(List.of(replyTopic)).all().get(config.startTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("could not delete reply topic {}: {}", replyTopic, e.toString());
        }
    }

    /** Kafka properties for one client: the client's own defaults, then the builder's plain keys, then prefixed. */
    private Map<String, Object> props(String client, String idSuffix, Map<String, String> defaults) {
        Map<String, Object> props = new HashMap<>(defaults);
        config.kafkaProperties.forEach((k, v) -> {
            if (!k.startsWith("consumer.") && !k.startsWith("producer.") && !k.startsWith("admin.")) {
                props.put(k, v);
            }
        });
        config.kafkaProperties.forEach((k, v) -> {
            if (k.startsWith(client + ".")) {
                props.put(k.substring(client.length() + 1), v);
            }
        });
        props.put("bootstrap.servers", config.bootstrapServers);
        props.put("client.id", clientId + idSuffix);
        return props;
    }

    private static void requirePositive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive (got " + value + ")");
        }
    }

    /** Settings of a client; {@link #build()} starts it. Unset values take the defaults given on each method. */
    public static final class Builder {
        private final String bootstrapServers;
        private String promptsTopic = DEFAULT_PROMPTS_TOPIC;
        private String clientId;
        private String replyTopic;
        private Integer replyPartition;
        private boolean createReplyTopic = true;
        private Optional<Boolean> deleteReplyTopicOnClose = Optional.empty();
        private int maxOutstanding = DEFAULT_MAX_OUTSTANDING;
        private Duration defaultTimeout = DEFAULT_TIMEOUT;
        private Duration maxBlock = DEFAULT_MAX_BLOCK;
        private Duration startTimeout = Duration.ofSeconds(60);
        private Executor callbackExecutor = ForkJoinPool.commonPool();
        private final Map<String, String> kafkaProperties = new HashMap<>();

        private Builder(String bootstrapServers) {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrap servers must not be empty");
            }
            this.bootstrapServers = bootstrapServers;
        }

        /** Where requests go, the worker's {@code --prompts-topic} (default {@value #DEFAULT_PROMPTS_TOPIC}). */
        public Builder promptsTopic(String value) {
            this.promptsTopic = requireText("prompts topic", value);
            return this;
        }

        /** Names the client (Kafka's client.id and the default reply topic); default a random umbra-client-XXXXXXXX. */
        public Builder clientId(String value) {
            this.clientId = requireText("client id", value);
            return this;
        }

        /**
         * The topic answers come on (default {@value #REPLY_TOPIC_PREFIX}{@code <clientId>}); it must match the
         * workers' {@code --reply-topics}. Without {@link #replyPartition} the client reads all its partitions, so
         * a topic shared by several clients needs a partition for each.
         */
        public Builder replyTopic(String value) {
            this.replyTopic = requireText("reply topic", value);
            return this;
        }

        /** Answers go to, and are read from, this partition of the reply topic only. Default: none fixed. */
        public Builder replyPartition(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("reply partition must be at least 0 (got " + value + ")");
            }
            this.replyPartition = value;
            return this;
        }

        /**
         * Whether to create the reply topic (one partition) at start when it is missing; default true. False where
         * clients may not create topics: the topic must exist then.
         */
        public Builder createReplyTopic(boolean value) {
            this.createReplyTopic = value;
            return this;
        }

        /**
         * Whether {@link #close()} deletes the reply topic if this client created it. Default: true when the client
         * id is generated (no one can use that topic again), false when it is given (the next run reuses it).
         */
        public Builder deleteReplyTopicOnClose(boolean value) {
            this.deleteReplyTopicOnClose = Optional.of(value);
            return this;
        }

        /** Requests waiting for answers at most (default {@value #DEFAULT_MAX_OUTSTANDING}); see {@link #maxBlock}. */
        public Builder maxOutstanding(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("max outstanding must be at least 1 (got " + value + ")");
            }
            this.maxOutstanding = value;
            return this;
        }

        /** How long {@code generate} waits for an answer unless told (default 60 s). */
        public Builder defaultTimeout(Duration value) {
            requirePositive("default timeout", value);
            this.defaultTimeout = value;
            return this;
        }

        /**
         * How long {@code generate} blocks for a free slot when {@code maxOutstanding} requests are waiting, before
         * it fails the request with {@link TooManyOutstandingException} (default 60 s; zero: never blocks).
         */
        public Builder maxBlock(Duration value) {
            Objects.requireNonNull(value, "max block");
            if (value.isNegative()) {
                throw new IllegalArgumentException("max block must not be negative (got " + value + ")");
            }
            this.maxBlock = value;
            return this;
        }

        /** How long {@link #build()} waits for the broker (creating and finding the reply topic); default 60 s. */
        public Builder startTimeout(Duration value) {
            requirePositive("start timeout", value);
            this.startTimeout = value;
            return this;
        }

        /** Where futures are completed, so where non-async dependent actions run; default the common pool. */
        public Builder callbackExecutor(Executor value) {
            this.callbackExecutor = Objects.requireNonNull(value, "callback executor");
            return this;
        }

        /**
         * A Kafka client property (security, timeouts, compression...) for the producer, the consumer and the admin
         * client; prefix it with {@code producer.}, {@code consumer.} or {@code admin.} for one of them only. The
         * client's own keys (bootstrap.servers, client.id, group.id, serializers, enable.auto.commit) are refused.
         */
        public Builder kafkaProperty(String key, String value) {
            String plain = key.replaceFirst("^(producer|consumer|admin)\\.", "");
            if (OWNED_PROPERTIES.contains(plain)) {
                throw new IllegalArgumentException("the client sets " + plain + " itself");
            }
            kafkaProperties.put(key, Objects.requireNonNull(value, key));
            return this;
        }

        /** Every entry as {@link #kafkaProperty}. */
        public Builder kafkaProperties(Map<String, String> values) {
            values.forEach(this::kafkaProperty);
            return this;
        }

        /** Connects, creates the reply topic if needed, positions the reply reader at its end, and returns. */
        public UmbraClient build() {
            return new UmbraClient(this);
        }

        private Builder copy() {
            Builder b = new Builder(bootstrapServers);
            b.promptsTopic = promptsTopic;
            b.clientId = clientId;
            b.replyTopic = replyTopic;
            b.replyPartition = replyPartition;
            b.createReplyTopic = createReplyTopic;
            b.deleteReplyTopicOnClose = deleteReplyTopicOnClose;
            b.maxOutstanding = maxOutstanding;
            b.defaultTimeout = defaultTimeout;
            b.maxBlock = maxBlock;
            b.startTimeout = startTimeout;
            b.callbackExecutor = callbackExecutor;
            b.kafkaProperties.putAll(kafkaProperties);
            return b;
        }

        private static String requireText(String name, String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be empty");
            }
            return value;
        }
    }
}

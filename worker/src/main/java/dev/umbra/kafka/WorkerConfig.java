package dev.umbra.kafka;

import dev.umbra.batch.AdaptiveBatchSizing;
import dev.umbra.batch.BatchPolicy;
import dev.umbra.worker.WorkerLimits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Everything a {@link StreamingWorker} needs to know. Immutable; build one with {@link #builder(String)}.
 *
 * @param bootstrapServers the Kafka cluster ({@code bootstrap.servers})
 * @param promptsTopic     where PromptRequests are read (default {@value #DEFAULT_PROMPTS_TOPIC})
 * @param resultsTopic     where ImageResults are written, keyed by request_id (default {@value #DEFAULT_RESULTS_TOPIC})
 * @param deadLetterTopic  where unreadable records go (default {@value #DEFAULT_DEAD_LETTER_TOPIC})
 * @param role             what the worker does (default {@link WorkerRole#ALL}: prior and decoders in one process)
 * @param embeddingsTopic  where the prior role writes PriorOutputs and the decoder role reads them (default
 *                         {@value #DEFAULT_EMBEDDINGS_TOPIC}); unused by {@link WorkerRole#ALL}
 * @param groupId          the consumer group (default: the role's, {@value #DEFAULT_GROUP_ID} for the prior and
 *                         {@value #DEFAULT_DECODER_GROUP_ID} for decoders)
 * @param clientId         {@code client.id} of the worker's clients (default: the worker id)
 * @param workerId         reported in every result and dead letter (default: host name and process id)
 * @param batchPolicy      max rows per batch and max wait (default {@link BatchPolicy#defaults()})
 * @param latencyTarget    when set, batch size and wait adapt to keep each request's batching and compute under it
 *                         ({@link AdaptiveBatchSizing}), with the batch policy's rows as the hard maximum; null
 *                         (default) for the fixed policy
 * @param minInFlightRows  the least the in-flight bound goes down to, and what one poll fetches at most (default 4
 *                         batches)
 * @param maxInFlightRows  the most rows accepted but not yet answered: above the bound fetching pauses, and resumes at
 *                         half. Between the two the bound follows the measured answer rate, holding about
 *                         {@value #IN_FLIGHT_MILLIS} ms of answers in flight: enough to cover the publish round trip
 *                         when the model is fast, no more than the model keeps busy with when it is slow, so that a
 *                         backlog stays on the broker (where other workers and lag-based autoscaling see it). Default
 *                         {@value #DEFAULT_MAX_IN_FLIGHT_ROWS}; equal to the least (as {@code --max-in-flight-rows}
 *                         sets both), the bound is fixed
 * @param limits           what a request may ask for (default {@link WorkerLimits#defaults()})
 * @param pollTimeout      the consumer's poll timeout: also the longest a commit, pause or resume waits behind an idle
 *                         poll (default {@link #DEFAULT_POLL_TIMEOUT})
 * @param shutdownTimeout  how long a clean stop waits for in-flight work to be answered before committing (default
 *                         {@link #DEFAULT_SHUTDOWN_TIMEOUT})
 * @param kafkaProperties  extra client properties, passed through: a plain key goes to the consumer, the producer and
 *                         the admin client; a key prefixed {@code consumer.}, {@code producer.} or {@code admin.} goes to
 *                         that client only, without the prefix. Keys the worker must control are refused
 *                         ({@link #RESERVED_KAFKA_PROPERTIES}).
 * @param replyTopics      the reply topics requests may name (request-reply); the whole name must match (default
 *                         {@value #DEFAULT_REPLY_TOPICS}); a request naming another is answered REJECTED
 * @param delivery         at least once (default) or exactly once ({@link Delivery})
 * @param inferenceLanes   how many batches the prior may run at once (default 1): with more, a batch can start on
 *                         another core while one runs, instead of waiting behind it; 0 to let the worker process
 *                         choose by its device ({@link WorkerProcess}: two on a CPU of two cores or more, else one)
 * @param transactionalId  the producer's {@code transactional.id} in exactly-once mode (default {@code umbra-} and
 *                         the worker id): a worker started again with the same id aborts what its predecessor left
 *                         open at once, instead of readers waiting out the transaction timeout
 */
public record WorkerConfig(
        String bootstrapServers,
        String promptsTopic,
        String resultsTopic,
        String deadLetterTopic,
        WorkerRole role,
        String embeddingsTopic,
        String groupId,
        String clientId,
        String workerId,
        BatchPolicy batchPolicy,
        Duration latencyTarget,
        int minInFlightRows,
        int maxInFlightRows,
        WorkerLimits limits,
        Duration pollTimeout,
        Duration shutdownTimeout,
        Map<String, String> kafkaProperties,
        Pattern replyTopics,
        Delivery delivery,
        String transactionalId,
        int inferenceLanes) {

    public static final String DEFAULT_PROMPTS_TOPIC = "umbra.prompts";
    public static final String DEFAULT_RESULTS_TOPIC = "umbra.results";
    public static final String DEFAULT_DEAD_LETTER_TOPIC = "umbra.dead-letter";
    public static final String DEFAULT_EMBEDDINGS_TOPIC = "umbra.embeddings";
    public static final String DEFAULT_GROUP_ID = "umbra-worker";
    public static final int DEFAULT_MAX_IN_FLIGHT_ROWS = 4096;
    public static final long IN_FLIGHT_MILLIS = 250;
    public static final String DEFAULT_DECODER_GROUP_ID = "umbra-decoder";
    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(100);
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    /** Reply topics a client may name by default: its own, under one prefix that ACLs can grant. */
    public static final String DEFAULT_REPLY_TOPICS = "umbra\\.replies\\..+";

    /**
     * Client properties the worker sets itself: the fields above, and the settings at-least-once delivery and the
     * byte-array framing depend on (offsets are committed by the worker, never automatically).
     */
    public static final Set<String> RESERVED_KAFKA_PROPERTIES = Set.of(
            "bootstrap.servers", "group.id", "client.id", "enable.auto.commit", "transactional.id",
            "key.deserializer", "value.deserializer", "key.serializer", "value.serializer");

    private static final Set<String> CLIENT_PREFIXES = Set.of("consumer.", "producer.", "admin.");

    public WorkerConfig {
        requireText("bootstrapServers", bootstrapServers);
        requireText("promptsTopic", promptsTopic);
        requireText("resultsTopic", resultsTopic);
        requireText("deadLetterTopic", deadLetterTopic);
        Objects.requireNonNull(role, "role");
        requireText("embeddingsTopic", embeddingsTopic);
        requireText("groupId", groupId);
        requireText("clientId", clientId);
        requireText("workerId", workerId);
        Objects.requireNonNull(batchPolicy, "batchPolicy");
        if (latencyTarget != null) {
            requirePositive("latencyTarget", latencyTarget);
        }
        Objects.requireNonNull(limits, "limits");
        if (minInFlightRows < 1) {
            throw new IllegalArgumentException("maxInFlightRows must be at least 1 (got " + minInFlightRows + ")");
        }
        if (maxInFlightRows < minInFlightRows) {
            throw new IllegalArgumentException("the in-flight bound's most (" + maxInFlightRows
                    + ") is below its least (" + minInFlightRows + ")");
        }
        requirePositive("pollTimeout", pollTimeout);
        requirePositive("shutdownTimeout", shutdownTimeout);
        if (Set.of(resultsTopic, deadLetterTopic).contains(promptsTopic) || resultsTopic.equals(deadLetterTopic)) {
            throw new IllegalArgumentException("prompts, results and dead-letter topics must differ (got '"
                    + promptsTopic + "', '" + resultsTopic + "', '" + deadLetterTopic + "')");
        }
        if (role != WorkerRole.ALL && Set.of(promptsTopic, resultsTopic, deadLetterTopic).contains(embeddingsTopic)) {
            throw new IllegalArgumentException("the embeddings topic '" + embeddingsTopic + "' must differ from the"
                    + " prompts, results and dead-letter topics");
        }
        Objects.requireNonNull(kafkaProperties, "kafkaProperties");
        for (Map.Entry<String, String> e : kafkaProperties.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException(
                        "Kafka properties may not hold nulls (got " + e.getKey() + "=" + e.getValue() + ")");
            }
            if (RESERVED_KAFKA_PROPERTIES.contains(unprefixed(e.getKey()))) {
                throw new IllegalArgumentException("Kafka property '" + e.getKey() + "' is set by the worker itself"
                        + " (reserved: " + new TreeSet<>(RESERVED_KAFKA_PROPERTIES) + ")");
            }
        }
        kafkaProperties = Map.copyOf(kafkaProperties);
        Objects.requireNonNull(replyTopics, "replyTopics");
        Objects.requireNonNull(delivery, "delivery");
        requireText("transactionalId", transactionalId);
        if (inferenceLanes < 0) {
            throw new IllegalArgumentException("--inference-lanes must be at least 1, or 0 for the device's default"
                    + " (got " + inferenceLanes + ")");
        }
        for (String own : List.of(promptsTopic, deadLetterTopic, embeddingsTopic)) {
            if (replyTopics.matcher(own).matches()) {
                throw new IllegalArgumentException("the reply topics pattern '" + replyTopics + "' allows the worker's"
                        + " own topic '" + own + "': answers could be sent back to where requests are read");
            }
        }
    }

    /** Whether a request may have its answer sent to {@code topic}. */
    public boolean replyTopicAllowed(String topic) {
        return replyTopics.matcher(topic).matches();
    }

    /** The most records one poll hands the worker when it does not decode (Kafka's own default). */
    public static final int FAST_MAX_POLL_RECORDS = 500;

    /**
     * What one poll may bring ({@code max.poll.records}): with decoders or a fixed bound, no more than the least
     * in-flight bound, so that slow work is never fetched far beyond it and the backlog stays on the broker;
     * otherwise Kafka's default or the least bound, whichever is more (within the most), because every poll costs
     * the consumer's thread and the event loop a round trip each, and at 64 records a poll the null-model worker
     * answered half what it does at 500 (docs/performance.md). A {@code consumer.max.poll.records} Kafka property
     * overrides it.
     */
    public int maxPollRecords(boolean decoding) {
        if (decoding || !adaptiveInFlight()) {
            // a fixed bound is the user's cap on what the worker holds: a poll never goes far past it either
            return minInFlightRows;
        }
        return Math.min(maxInFlightRows, Math.max(minInFlightRows, FAST_MAX_POLL_RECORDS));
    }

    /** Whether the in-flight bound follows the answer rate (it does unless fixed). */
    public boolean adaptiveInFlight() {
        return maxInFlightRows > minInFlightRows;
    }

    /** The topic this worker consumes: the prompts, or for a decoder the prior's outputs. */
    public String inputTopic() {
        return role == WorkerRole.DECODER ? embeddingsTopic : promptsTopic;
    }

    /** Every topic this worker reads or writes: they must exist before it starts. */
    public List<String> topics() {
        return switch (role) {
            case ALL -> List.of(promptsTopic, resultsTopic, deadLetterTopic);
            case PRIOR -> List.of(promptsTopic, embeddingsTopic, resultsTopic, deadLetterTopic);
            case DECODER -> List.of(embeddingsTopic, resultsTopic, deadLetterTopic);
        };
    }

    /** A builder with every default, for the cluster at {@code bootstrapServers}. */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The extra properties meant for one client ("consumer", "producer" or "admin"), prefixes removed. */
    public Map<String, String> kafkaPropertiesFor(String client) {
        String prefix = client + ".";
        if (!CLIENT_PREFIXES.contains(prefix)) {
            throw new IllegalArgumentException("client must be consumer, producer or admin (got '" + client + "')");
        }
        Map<String, String> props = new TreeMap<>();
        kafkaProperties.forEach((k, v) -> {
            if (CLIENT_PREFIXES.stream().noneMatch(k::startsWith)) {
                props.put(k, v);
            }
        });
        // Client-specific values win over plain ones.
        kafkaProperties.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                props.put(k.substring(prefix.length()), v);
            }
        });
        return props;
    }

    /** Host name and process id: distinct for each worker process, stable for its life. */
    public static String defaultWorkerId() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            host = "umbra";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    private static String unprefixed(String key) {
        for (String prefix : CLIENT_PREFIXES) {
            if (key.startsWith(prefix)) {
                return key.substring(prefix.length());
            }
        }
        return key;
    }

    private static void requireText(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty (got " + (value == null ? "null" : "'"
                    + value + "'") + ")");
        }
    }

    private static void requirePositive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive (got " + value + ")");
        }
    }

    /** Builds a {@link WorkerConfig}; unset fields take the defaults documented on the record. */
    public static final class Builder {
        private String bootstrapServers;
        private String promptsTopic = DEFAULT_PROMPTS_TOPIC;
        private String resultsTopic = DEFAULT_RESULTS_TOPIC;
        private String deadLetterTopic = DEFAULT_DEAD_LETTER_TOPIC;
        private WorkerRole role = WorkerRole.ALL;
        private String embeddingsTopic = DEFAULT_EMBEDDINGS_TOPIC;
        private String groupId;
        private String clientId;
        private String workerId;
        private BatchPolicy batchPolicy = BatchPolicy.defaults();
        private Duration latencyTarget;
        private Integer maxInFlightRows;
        private WorkerLimits limits = WorkerLimits.defaults();
        private Duration pollTimeout = DEFAULT_POLL_TIMEOUT;
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
        private final Map<String, String> kafkaProperties = new TreeMap<>();
        private Pattern replyTopics = Pattern.compile(DEFAULT_REPLY_TOPICS);
        private Delivery delivery = Delivery.AT_LEAST_ONCE;
        private String transactionalId;
        private int inferenceLanes = 1;

        private Builder(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
        }

        private Builder(WorkerConfig c) {
            this(c.bootstrapServers);
            promptsTopic = c.promptsTopic;
            resultsTopic = c.resultsTopic;
            deadLetterTopic = c.deadLetterTopic;
            role = c.role;
            embeddingsTopic = c.embeddingsTopic;
            groupId = c.groupId;
            clientId = c.clientId;
            workerId = c.workerId;
            batchPolicy = c.batchPolicy;
            latencyTarget = c.latencyTarget;
            maxInFlightRows = c.maxInFlightRows;
            limits = c.limits;
            pollTimeout = c.pollTimeout;
            shutdownTimeout = c.shutdownTimeout;
            kafkaProperties.putAll(c.kafkaProperties);
            replyTopics = c.replyTopics;
            delivery = c.delivery;
            transactionalId = c.transactionalId;
            inferenceLanes = c.inferenceLanes;
        }

        public Builder inferenceLanes(int value) {
            inferenceLanes = value;
            return this;
        }

        public Builder delivery(Delivery value) {
            delivery = value;
            return this;
        }

        /** The transactional id in exactly-once mode; null for {@code umbra-} and the worker id. */
        public Builder transactionalId(String value) {
            transactionalId = value;
            return this;
        }

        /** A regular expression the whole reply topic must match. */
        public Builder replyTopics(String regex) {
            try {
                replyTopics = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("--reply-topics '" + regex + "' is not a regular expression: "
                        + e.getDescription());
            }
            return this;
        }

        public Builder bootstrapServers(String value) {
            bootstrapServers = value;
            return this;
        }

        public Builder promptsTopic(String value) {
            promptsTopic = value;
            return this;
        }

        public Builder resultsTopic(String value) {
            resultsTopic = value;
            return this;
        }

        public Builder deadLetterTopic(String value) {
            deadLetterTopic = value;
            return this;
        }

        public Builder role(WorkerRole value) {
            role = value;
            return this;
        }

        public Builder embeddingsTopic(String value) {
            embeddingsTopic = value;
            return this;
        }

        /** The consumer group; null for the role's default. */
        public Builder groupId(String value) {
            groupId = value;
            return this;
        }

        public Builder clientId(String value) {
            clientId = value;
            return this;
        }

        public Builder workerId(String value) {
            workerId = value;
            return this;
        }

        public Builder batchPolicy(BatchPolicy value) {
            batchPolicy = value;
            return this;
        }

        /** Adaptive batching under this latency; null for the fixed batch policy. */
        public Builder latencyTarget(Duration value) {
            latencyTarget = value;
            return this;
        }

        /** A fixed in-flight bound: fetching pauses at {@code value} rows, whatever the answer rate. */
        public Builder maxInFlightRows(int value) {
            maxInFlightRows = value;
            return this;
        }

        public Builder limits(WorkerLimits value) {
            limits = value;
            return this;
        }

        public Builder pollTimeout(Duration value) {
            pollTimeout = value;
            return this;
        }

        public Builder shutdownTimeout(Duration value) {
            shutdownTimeout = value;
            return this;
        }

        /** Adds one pass-through Kafka client property (see {@link WorkerConfig#kafkaProperties()}). */
        public Builder kafkaProperty(String key, String value) {
            kafkaProperties.put(key, value);
            return this;
        }

        public Builder kafkaProperties(Map<String, String> values) {
            kafkaProperties.putAll(values);
            return this;
        }

        public WorkerConfig build() {
            String worker = workerId != null ? workerId : defaultWorkerId();
            int least = maxInFlightRows != null ? maxInFlightRows
                    : batchPolicy == null ? 1 : 4 * batchPolicy.maxBatchRows();
            int most = maxInFlightRows != null ? maxInFlightRows : Math.max(least, DEFAULT_MAX_IN_FLIGHT_ROWS);
            String group = groupId != null ? groupId : role == null ? null : role.defaultGroupId();
            return new WorkerConfig(bootstrapServers, promptsTopic, resultsTopic, deadLetterTopic, role,
                    embeddingsTopic, group,
                    clientId != null ? clientId : worker, worker, batchPolicy, latencyTarget, least, most, limits,
                    pollTimeout,
                    shutdownTimeout, kafkaProperties, replyTopics, delivery,
                    transactionalId != null ? transactionalId : "umbra-" + worker, inferenceLanes);
        }
    }
}

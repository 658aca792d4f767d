package dev.umbra.kafka;

import dev.umbra.log.LogContext;
import dev.umbra.schemas.DeadLetter;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.EventDecodeException;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import dev.umbra.worker.Answer;
import dev.umbra.worker.DecodeStage;
import dev.umbra.worker.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker as a Vert.x verticle: the Kafka side of every role. Records of the input topic go to the role's
 * {@link Intake} (prompts through the prior, or the prior's outputs), answers through the decode stage when there is
 * one, and out to the results topic (or, for the prior role, OK answers to the embeddings topic); offsets are
 * committed once everything before them is acknowledged. What is published is decided here; the {@link Publisher}
 * sends it (or, in exactly-once mode, {@link Transactions} does). Every field below is touched on this verticle's
 * event loop only, except the counters read by {@link #stats()}; inference and decoding run on their own threads, and
 * their answers hop back here.
 */
final class WorkerVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerVerticle.class);
    private static final long IN_FLIGHT_TUNING_MILLIS = 200;
    // How often idle partitions are checked for a position past their last record (see OffsetTracker.skipTo).
    private static final long IDLE_POSITION_MILLIS = 1000;
    // How long a rebalance waits for the revoked partitions' records in flight to be answered before committing.
    private static final Duration REVOCATION_GRACE = Duration.ofSeconds(2);
    private static final long REBALANCE_COMMIT_RETRY_MILLIS = 100;
    /** Dead-letter code of a record the worker itself failed on (see DeadLetter.error_code). */
    static final String PROCESSING_FAILED = "PROCESSING_FAILED";
    /** Dead-letter code of a record whose answer no topic would take (see DeadLetter.error_code). */
    static final String PUBLISH_FAILED = "PUBLISH_FAILED";

    private final WorkerConfig config;
    private final Function<EventCodec, Intake> intakeFactory;
    private final DecodeStage decodeStage;
    private final OffsetCommitter committer;
    private final EventCodec codec = new EventCodec();
    private final OffsetTracker<TopicPartition> tracker = new OffsetTracker<>();
    private final InFlightLimit inFlight;
    private final InFlightTuner inFlightTuner;
    private long tuningTimer = -1;
    private long idleTimer = -1;
    private long answeredRowsSinceTuning;
    private long lastTuningNanos;
    // Our view of the assignment, kept by the rebalance handlers, so that a pause is one consumer call queued ahead of
    // the next poll rather than an assignment() round trip that lets another poll through first.
    private final Set<TopicPartition> assigned = new HashSet<>();

    private volatile Intake intake;
    // Sends outputs (at-least-once) and says what to send after a failure (both modes); owns the plain producer.
    private Publisher publisher;
    private KafkaConsumer<byte[], byte[]> consumer;
    private GroupConsumer group;
    // Exactly-once mode only: then there is no plain producer.
    private Transactions transactions;
    // Assignments the event loop has heard of (see currentGroupMetadata).
    private long handledAssignments;
    private KafkaAdminClient topicsAdmin;
    private KnownTopics knownTopics;

    private boolean stopping;
    // Set just before the consumer is closed. Vert.x runs a consumer call made after close() on a fresh thread of its
    // own, concurrently with the close: nothing may touch the consumer from then on.
    private volatile boolean consumerClosed;
    private volatile boolean closed;
    private Promise<Void> drained;
    private boolean committing;
    private boolean commitAgain;
    private boolean retryingWakeup;
    private final List<Promise<Void>> commitWaiters = new ArrayList<>();
    private final List<AnswerListener> answerListeners = new CopyOnWriteArrayList<>();

    private final AtomicLong received = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong commitFailures = new AtomicLong();
    private volatile int inFlightRows;
    private volatile Set<TopicPartition> assignedNow = Set.of(); // for other threads (metrics)
    private volatile int inFlightBound;
    private volatile boolean fetchPaused;
    // Set while the decoder pool is saturated: fetching stays paused until its queue drains to half its bound.
    private volatile boolean decodePaused;
    // Set while the consumer refuses commits because its group rebalances (see requestCommit).
    private boolean rebalancePaused;
    // Told of an error the worker cannot go on with (StreamingWorker.failure); set before deployment.
    private Handler<KafkaAccessException> fatalHandler = e -> { };

    /**
     * @param intakeFactory makes the role's intake once the topics are known to exist (it may start threads)
     * @param decodeStage   the decoders, or null to publish the prior's embeddings without pictures
     */
    WorkerVerticle(WorkerConfig config, Function<EventCodec, Intake> intakeFactory, DecodeStage decodeStage,
            OffsetCommitter committer) {
        this.config = Objects.requireNonNull(config, "config");
        this.intakeFactory = Objects.requireNonNull(intakeFactory, "intakeFactory");
        this.decodeStage = decodeStage;
        if (config.role() == WorkerRole.DECODER && decodeStage == null) {
            throw new IllegalArgumentException("a worker in the decoder role needs a decoder");
        }
        if (config.role() == WorkerRole.PRIOR && decodeStage != null) {
            throw new IllegalArgumentException("a worker in the prior role hands its embeddings on: it does not decode");
        }
        this.committer = Objects.requireNonNull(committer, "committer");
        // Starts at the least: a slow model's backlog must stay on the broker; a fast one's bound grows in a second.
        this.inFlight = new InFlightLimit(config.minInFlightRows());
        this.inFlightTuner = config.adaptiveInFlight() ? new InFlightTuner(config.minInFlightRows(),
                config.maxInFlightRows(), WorkerConfig.IN_FLIGHT_MILLIS) : null;
    }

    /** Who is told of an error the worker cannot go on with (a refused login, a withdrawn ACL); before deploying. */
    void fatalHandler(Handler<KafkaAccessException> handler) {
        this.fatalHandler = Objects.requireNonNull(handler, "handler");
    }

    WorkerStats stats() {
        return new WorkerStats(received.get(), deadLetters.get(), published.get(), inFlightRows, fetchPaused,
                decodePaused, commits.get(), commitFailures.get(), inFlightBound, assignedNow.size(),
                intake == null ? 0 : intake.queuedRows());
    }

    void addAnswerListener(AnswerListener listener) {
        answerListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Records the consumer is behind the end of each assigned partition, from the consumer's own records-lag metric
     * (known once a partition has been fetched from). Kafka's metrics are safe to read from any thread.
     */
    Map<org.apache.kafka.common.TopicPartition, Double> consumerLag() {
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c == null || consumerClosed) {
            return Map.of();
        }
        Map<org.apache.kafka.common.TopicPartition, Double> lag = new HashMap<>();
        Set<TopicPartition> held = assignedNow;
        c.unwrap().metrics().forEach((name, metric) -> {
            if (name.name().equals("records-lag") && name.group().equals("consumer-fetch-manager-metrics")
                    && name.tags().containsKey("partition") && metric.metricValue() instanceof Double d && !d.isNaN()) {
                TopicPartition tp = new TopicPartition(name.tags().get("topic"),
                        Integer.parseInt(name.tags().get("partition")));
                // Kafka also reports each partition under its topic's name with dots as underscores (the legacy
                // tag): only the partitions held count.
                if (held.contains(tp)) {
                    lag.put(new org.apache.kafka.common.TopicPartition(tp.getTopic(), tp.getPartition()), d);
                }
            }
        });
        return lag;
    }

    String servedModel() {
        return intake.servedModel();
    }

    /** Completes once the topics are known to exist, the producer is made and the consumer has subscribed. */
    @Override
    public Future<?> start() {
        return checkTopics()
                .compose(v -> {
                    intake = intakeFactory.apply(codec);
                    // Before the publisher and the transactions: both ask it whether a failed output's topic exists.
                    topicsAdmin = KafkaAdminClient.create(vertx, adminConfig());
                    knownTopics = new KnownTopics(topicsAdmin, System::nanoTime);
                    // Through a lambda: the fatal handler is the field's at each error, as for the consumer's errors.
                    publisher = new Publisher(vertx, config, knownTopics, () -> closed, e -> fatalHandler.handle(e));
                    if (config.delivery() == Delivery.EXACTLY_ONCE) {
                        transactions = new Transactions(context, transactionalProducerConfig(),
                                tracker::committable, this::currentGroupMetadata, publisher::next, this::committed,
                                failure -> publisher.stopIfRefused(failure, "producer"));
                    }
                    group = new GroupConsumer(new HashMap<>(consumerConfig()), this::beforeRevoke);
                    consumer = KafkaConsumer.create(vertx, group.consumer());
                    consumer.pollTimeout(config.pollTimeout());
                    consumer.batchHandler(this::onRecords);
                    // Vert.x starts polling only once a per-record handler is set; the batch handler does the work.
                    consumer.handler(record -> { });
                    consumer.partitionsAssignedHandler(this::onAssigned);
                    consumer.partitionsRevokedHandler(this::onRevoked);
                    consumer.exceptionHandler(e -> {
                        if (e instanceof WakeupException) { // our own wakeups: see withConsumer
                            return;
                        }
                        // A refused login or a withdrawn ACL comes back on every poll, for ever: the worker ends.
                        Optional<KafkaAccessException> fatal = KafkaAccessErrors.fatal(e, config, "consumer");
                        if (fatal.isPresent()) {
                            fatalHandler.handle(fatal.get());
                            return;
                        }
                        LOG.warn("consumer error: {}", e.toString());
                    });
                    inFlightBound = inFlight.limit();
                    if (inFlightTuner != null) {
                        lastTuningNanos = System.nanoTime();
                        tuningTimer = vertx.setPeriodic(IN_FLIGHT_TUNING_MILLIS, t -> tuneInFlight());
                    }
                    idleTimer = vertx.setPeriodic(IDLE_POSITION_MILLIS, t -> commitPastMarkers());
                    Future<Void> producing = transactions == null ? Future.succeededFuture()
                            : transactions.start().recover(e -> Future.failedFuture(new IllegalStateException(
                                    "cannot start the transactional producer (transactional.id "
                                            + config.transactionalId() + ") at " + config.bootstrapServers() + ": "
                                            + e.getMessage(), e)));
                    return producing.compose(x -> consumer.subscribe(config.inputTopic()));
                })
                .onSuccess(v -> LOG.info("worker {} ({} role) serving '{}' on {} -> {} (dead letters: {}), group {},"
                        + " delivery {}", config.workerId(), config.role().cliName(), intake.servedModel(),
                        config.inputTopic(), config.role() == WorkerRole.PRIOR ? config.embeddingsTopic() + " and "
                                + config.resultsTopic() : config.resultsTopic(), config.deadLetterTopic(),
                        config.groupId(), config.delivery().cliName() + (transactions == null ? ""
                                : " (transactional.id " + config.transactionalId() + ")")))
                .recover(e -> closeAll().transform(x -> Future.failedFuture(e)));
    }

    /** A clean stop: stop fetching, let in-flight work be answered (bounded), commit, then close every client. */
    @Override
    public Future<?> stop() {
        stopping = true;
        if (consumer == null) {
            return closeAll();
        }
        LOG.info("stopping: no more fetching; waiting for {} unanswered records", tracker.outstanding());
        fetchPaused = true;
        return pausePartitions(Set.copyOf(assigned))
                .otherwise(e -> {
                    LOG.warn("pausing before the stop failed: {}", e.toString());
                    return null;
                })
                .compose(v -> awaitDrained())
                .compose(v -> commitAll())
                .recover(e -> {
                    LOG.warn("final commit failed; uncommitted records will be redelivered: {}", e.toString());
                    return Future.succeededFuture();
                })
                .eventually(this::closeAll)
                .onSuccess(v -> LOG.info("worker {} stopped: {}", config.workerId(), stats()));
    }

    private Future<Void> checkTopics() {
        KafkaAdminClient admin = KafkaAdminClient.create(vertx, adminConfig());
        List<String> needed = config.topics();
        return admin.listTopics()
                .recover(e -> Future.failedFuture(new IllegalStateException(
                        "cannot list topics at " + config.bootstrapServers() + ": " + e.getMessage(), e)))
                .<Void>compose(existing -> {
                    Set<String> missing = new LinkedHashSet<>(needed);
                    missing.removeAll(existing);
                    return missing.isEmpty() ? Future.succeededFuture() : Future.failedFuture(new IllegalStateException(
                            "topics " + missing + " do not exist at " + config.bootstrapServers()
                                    + "; create them before starting the worker"));
                })
                .eventually(admin::close);
    }

    private void onRecords(KafkaConsumerRecords<byte[], byte[]> records) {
        Instant receivedAt = intake.clock().now();
        long receivedAtNanos = intake.clock().nanoTime();
        for (int i = 0; i < records.size(); i++) {
            onRecord(records.recordAt(i), receivedAt, receivedAtNanos);
        }
    }

    private void onRecord(KafkaConsumerRecord<byte[], byte[]> record, Instant receivedAt, long receivedAtNanos) {
        received.incrementAndGet();
        OffsetTracker<TopicPartition>.Ticket ticket =
                tracker.track(new TopicPartition(record.topic(), record.partition()), record.offset());
        Intake.Admitted admitted;
        try {
            admitted = intake.admit(record.value(), receivedAt, receivedAtNanos);
        } catch (EventDecodeException e) {
            publishDeadLetter(record, e, ticket);
            return;
        }
        ReplyTo replyTo = admitted.replyTo();
        if (admitted instanceof Intake.Answered answered) {
            publishAnswer(answered.answer(), ticket, replyTo, record);
            return;
        }
        Intake.Pending pending = (Intake.Pending) admitted;
        int rows = pending.rows();
        boolean pause = inFlight.acquire(rows);
        inFlightRows = inFlight.rows();
        if (pause) {
            pauseFetching(inFlight.rows() + " rows in flight (bound " + inFlight.limit() + ")");
        }
        // Completed on the batcher's thread: hop back to the event loop before touching anything.
        pending.answer().whenComplete((a, error) -> context.runOnContext(v -> {
            if (closed) {
                return;
            }
            if (a == null) {
                // A bug, not the request's fault: never leave the record unanswered (its partition's commits would
                // stop here for good); the dead letter keeps it, with the reason, for a replay once fixed.
                publishDeadLetter(record, PROCESSING_FAILED, "the worker failed on this record without an answer: "
                        + error, ticket).onComplete(x -> release(rows));
                return;
            }
            if (decodeStage == null) {
                publishAndRelease(a, ticket, rows, replyTo, record);
                return;
            }
            decodeStage.decode(a).whenComplete((decoded, never) -> context.runOnContext(w -> {
                if (closed) {
                    return;
                }
                afterDecode();
                publishAndRelease(decoded, ticket, rows, replyTo, record);
            }));
            if (!decodePaused && decodeStage.pool().saturated()) {
                decodePaused = true;
                pauseFetching(decodeStage.pool().queuedImages() + " images wait for a decoder (bound "
                        + decodeStage.pool().settings().queueBound() + ")");
            }
        }));
    }

    /**
     * Asks the consumer's position of each idle partition and commits up to it when it is past the last record: the
     * offsets between hold no records (a transactional topic's markers), and without this the group's lag stays one
     * above zero for ever at the end of each transaction (and lag-based autoscaling never sees an empty topic). The
     * position comes back on this event loop behind every record fetched before it.
     */
    private void commitPastMarkers() {
        if (stopping || consumerClosed) {
            return;
        }
        tracker.idle().forEach((tp, lastTracked) -> consumer.position(tp).onSuccess(position -> {
            if (!closed && tracker.skipTo(tp, lastTracked, position)) {
                LOG.debug("{}: nothing but markers from {} to {}; committing past them", tp, lastTracked + 1,
                        position);
                requestCommit();
            }
        }));
    }

    /** Moves the in-flight bound with the answer rate ({@link InFlightTuner}), pausing or resuming as it now says. */
    private void tuneInFlight() {
        long now = System.nanoTime();
        int bound = inFlightTuner.next(inFlight.limit(), answeredRowsSinceTuning, now - lastTuningNanos);
        answeredRowsSinceTuning = 0;
        lastTuningNanos = now;
        if (bound == inFlight.limit() || stopping) {
            return;
        }
        inFlight.limit(bound);
        inFlightBound = bound;
        if (inFlight.acquire(0)) {
            pauseFetching(inFlight.rows() + " rows in flight (bound lowered to " + bound + ")");
        } else if (inFlight.release(0) && !decodePaused && !rebalancePaused) {
            resumeFetching();
        }
    }

    /** Resumes fetching once the decode queue has drained to half its bound, unless the in-flight bound holds it. */
    private void afterDecode() {
        if (decodePaused && decodeStage.pool().queuedImages() <= decodeStage.pool().settings().queueBound() / 2) {
            decodePaused = false;
            if (!inFlight.paused() && !rebalancePaused) {
                resumeFetching();
            }
        }
    }

    private void publishAndRelease(Answer answer, OffsetTracker<TopicPartition>.Ticket ticket, int rows,
            ReplyTo replyTo, KafkaConsumerRecord<byte[], byte[]> record) {
        publishAnswer(answer, ticket, replyTo, record).onComplete(x -> release(rows));
    }

    private void release(int rows) {
        answeredRowsSinceTuning += rows;
        boolean resume = inFlight.release(rows);
        inFlightRows = inFlight.rows();
        if (resume && !decodePaused && !rebalancePaused) {
            resumeFetching();
        }
    }

    /**
     * The prior role hands OK answers on to the decoders (with the request's reply topic); every other answer is a
     * result, published to the request's reply topic when it names one that can be written, else to the results topic.
     */
    private Future<Void> publishAnswer(Answer answer, OffsetTracker<TopicPartition>.Ticket ticket, ReplyTo replyTo,
            KafkaConsumerRecord<byte[], byte[]> record) {
        if (!ticket.active()) {
            // Its partition went to another worker, which reads it again from the last commit: publishing this
            // answer too would only make a duplicate.
            LOG.debug("not publishing {}: its partition was revoked", answer.requestId());
            return Future.succeededFuture();
        }
        ImageResult result = answer.handOff(intake.clock());
        boolean handOn = config.role() == WorkerRole.PRIOR && result.getStatus() == Status.OK;
        if (handOn || replyTo == null) {
            return publish(answer, result, ticket, handOn, replyTo, record);
        }
        return knownTopics.check(replyTo).compose(problem -> problem == null
                ? publish(answer, result, ticket, false, replyTo, record)
                : publish(answer, cannotReply(result, problem), ticket, false, null, record));
    }

    private Future<Void> publish(Answer answer, ImageResult result, OffsetTracker<TopicPartition>.Ticket ticket,
            boolean handOn, ReplyTo replyTo, KafkaConsumerRecord<byte[], byte[]> record) {
        byte[] value = handOn ? codec.encode(PriorOutputs.of(answer, replyTo)) : codec.encode(result);
        byte[] key = answer.requestId().getBytes(StandardCharsets.UTF_8);
        ReplyTo to = handOn ? null : replyTo;
        String topic = handOn ? config.embeddingsTopic() : to != null ? to.topic() : config.resultsTopic();
        Integer partition = to == null ? null : to.partition();
        String what = (handOn ? "prior output of " : "result of ") + answer.requestId()
                + (to == null ? "" : " to " + to);
        // Where the answer goes when its topic cannot take it: a reply to the results topic, anything else (or a
        // results topic that cannot take it either) to the dead letters, with the request's own bytes to replay.
        Function<Throwable, KafkaProducerRecord<byte[], byte[]>> toDeadLetters = failure ->
                KafkaProducerRecord.create(config.deadLetterTopic(), record.key(), codec.encode(deadLetter(record,
                        PUBLISH_FAILED, "the " + what + " could not be published: " + failure)));
        Function<Throwable, KafkaProducerRecord<byte[], byte[]>> unreachable =
                failure -> KafkaProducerRecord.create(config.resultsTopic(), key,
                        codec.encode(cannotReply(result, "publishing to " + to + " failed: " + failure)));
        return sendUntilAcknowledged(ticket, new Output(
                KafkaProducerRecord.create(topic, key, value, null, partition), what,
                () -> KafkaProducerRecord.create(handOn ? config.resultsTopic() : topic, key,
                        codec.encode(tooLarge(result, value.length)), null, handOn ? null : partition),
                to == null ? List.of(toDeadLetters) : List.of(unreachable, toDeadLetters)))
                .onSuccess(v -> {
                    published.incrementAndGet();
                    done(ticket);
                    for (AnswerListener listener : answerListeners) {
                        try {
                            listener.published(result, handOn);
                        } catch (RuntimeException e) {
                            try (LogContext scope = LogContext.request(answer.requestId())) {
                                LOG.warn("answer listener failed on {}: {}", answer.requestId(), e.toString());
                            }
                        }
                    }
                });
    }

    /** The answer as it goes to the results topic when its reply topic cannot take it: FAILED, saying why. */
    private static ImageResult cannotReply(ImageResult result, String problem) {
        return ImageResult.newBuilder(result)
                .setStatus(Status.FAILED)
                .setErrorCode(ErrorCode.REPLY_TOPIC_UNAVAILABLE.name())
                .setErrorMessage(problem + "; answered on the results topic instead"
                        + (result.getStatus() == Status.OK ? "" : " (it was " + result.getStatus() + " "
                        + result.getErrorCode() + ": " + result.getErrorMessage() + ")"))
                .build();
    }

    private void publishDeadLetter(KafkaConsumerRecord<byte[], byte[]> record, EventDecodeException e,
            OffsetTracker<TopicPartition>.Ticket ticket) {
        publishDeadLetter(record, e.reason().name(), e.getMessage(), ticket);
    }

    private Future<Void> publishDeadLetter(KafkaConsumerRecord<byte[], byte[]> record, String code, String reason,
            OffsetTracker<TopicPartition>.Ticket ticket) {
        LOG.warn("dead letter for {}-{}@{}: {} {}", record.topic(), record.partition(), record.offset(), code, reason);
        DeadLetter letter = deadLetter(record, code, reason);
        return sendUntilAcknowledged(ticket, new Output(KafkaProducerRecord.create(config.deadLetterTopic(),
                record.key(), codec.encode(letter)),
                "dead letter of " + record.topic() + "-" + record.partition() + "@" + record.offset(),
                () -> KafkaProducerRecord.create(config.deadLetterTopic(), null, codec.encode(withoutOriginal(letter))),
                List.of()))
                .onSuccess(v -> {
                    deadLetters.incrementAndGet();
                    done(ticket);
                });
    }

    /**
     * Publishes one consumed record's output until the broker acknowledges it ({@link Publisher}), or in exactly-once
     * mode holds it for the next transaction (the future completes once that commits).
     */
    private Future<Void> sendUntilAcknowledged(OffsetTracker<TopicPartition>.Ticket ticket, Output output) {
        if (transactions != null) {
            Future<Void> committed = transactions.stage(ticket.partition(), ticket.offset(), output);
            // Ready for a transaction: the tracker's committable offsets now reach past it.
            ticket.done();
            requestCommit();
            return committed;
        }
        return publisher.sendUntilAcknowledged(output);
    }

    private void done(OffsetTracker<TopicPartition>.Ticket ticket) {
        ticket.done();
        requestCommit();
        if (drained != null && tracker.outstanding() == 0) {
            drained.tryComplete();
        }
    }

    /** Commits what is committable; while a commit runs, further requests fold into one more commit after it. */
    private void requestCommit() {
        if (transactions != null) {
            transactions.commitReady();
            return;
        }
        if (consumerClosed) {
            releaseCommitWaiters(null);
            return;
        }
        if (committing) {
            commitAgain = true;
            return;
        }
        Map<TopicPartition, Long> offsets = tracker.committable();
        if (offsets.isEmpty()) {
            endRebalancePause();
            releaseCommitWaiters(null);
            return;
        }
        committing = true;
        commitAgain = false;
        retryingWakeup = false;
        Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
        offsets.forEach((tp, offset) -> toCommit.put(tp, new OffsetAndMetadata(offset, "")));
        Future<Void> commit;
        try {
            // Someone waits for this commit (a stop): do not let it queue behind an idle poll.
            commit = commitWaiters.isEmpty() || retryingWakeup ? committer.commit(consumer, toCommit)
                    : withConsumer(c -> committer.commit(c, toCommit));
        } catch (RuntimeException e) {
            commit = Future.failedFuture(e);
        }
        commit.onComplete(ar -> {
            committing = false;
            if (ar.succeeded()) {
                commits.incrementAndGet();
                offsets.forEach(tracker::committed);
                LOG.debug("committed {}", offsets);
                endRebalancePause();
            } else if (rebalancing(ar.cause())) {
                // A cooperative member keeps fetching through a rebalance, but its consumer refuses commits until
                // the rebalance ends (seconds, when it waits out a dead member's session): answers piling up
                // uncommitted meanwhile would all be answered again after a crash. Fetching holds until a commit
                // goes through, so that such a crash costs no more than what is in flight.
                if (!rebalancePaused) {
                    rebalancePaused = true;
                    pauseFetching("a rebalance is in progress: commits wait for it");
                }
                vertx.setTimer(REBALANCE_COMMIT_RETRY_MILLIS, t -> requestCommit());
            } else if (ar.cause() instanceof WakeupException) {
                // A wakeup meant for an idle poll reached this commit first (see withConsumer); it is spent now,
                // so the commit is tried again at once, without a wakeup of its own.
                LOG.debug("committing {} met a wakeup: committing again", offsets);
                retryingWakeup = true;
                commitAgain = true;
            } else {
                commitFailures.incrementAndGet();
                LOG.warn("committing {} failed (retried with the next answer): {}", offsets, ar.cause().toString());
            }
            if (commitAgain) {
                requestCommit();
            } else {
                releaseCommitWaiters(ar.cause());
            }
        });
    }

    private static boolean rebalancing(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RebalanceInProgressException) {
                return true;
            }
        }
        return false;
    }

    private void endRebalancePause() {
        if (rebalancePaused) {
            rebalancePaused = false;
            if (!inFlight.paused() && !decodePaused) {
                resumeFetching();
            }
        }
    }

    private Future<Void> commitAll() {
        if (transactions != null) {
            return transactions.flush(config.shutdownTimeout());
        }
        Promise<Void> done = Promise.promise();
        commitWaiters.add(done);
        requestCommit();
        return done.future();
    }

    private void releaseCommitWaiters(Throwable failure) {
        List<Promise<Void>> waiters = new ArrayList<>(commitWaiters);
        commitWaiters.clear();
        waiters.forEach(p -> {
            if (failure == null) {
                p.tryComplete();
            } else {
                p.tryFail(failure);
            }
        });
    }

    private Future<Void> awaitDrained() {
        if (tracker.outstanding() == 0) {
            return Future.succeededFuture();
        }
        drained = Promise.promise();
        long timer = vertx.setTimer(config.shutdownTimeout().toMillis(), t -> {
            if (drained.tryComplete()) {
                LOG.warn("stopping after {}: {} records still unanswered stay uncommitted and will be redelivered",
                        config.shutdownTimeout(), tracker.outstanding());
            }
        });
        return drained.future().onComplete(x -> vertx.cancelTimer(timer));
    }

    private void onAssigned(Set<TopicPartition> partitions) {
        LOG.info("assigned {}", partitions);
        handledAssignments++;
        assigned.addAll(partitions);
        assignedNow = Set.copyOf(assigned);
        if (stopping || inFlight.paused() || decodePaused || rebalancePaused) {
            // A rebalance may hand us partitions while we hold back: they must not start fetching.
            pausePartitions(partitions).onFailure(e -> LOG.debug("pausing new partitions failed: {}", e.toString()));
        }
    }

    private void onRevoked(Set<TopicPartition> partitions) {
        LOG.info("revoked {}: their unanswered records will be redelivered to the next owner", partitions);
        // What was answered is committed, so that the next owner does not answer it again. Vert.x tells us after
        // the revocation, so this commit may come too late (a rebalance in progress): then it only costs duplicates.
        Map<TopicPartition, Long> answered = tracker.committable(partitions);
        if (!answered.isEmpty() && transactions == null && consumer != null && !consumerClosed) {
            Map<TopicPartition, OffsetAndMetadata> last = new HashMap<>();
            answered.forEach((tp, offset) -> last.put(tp, new OffsetAndMetadata(offset, "")));
            committer.commit(consumer, last).onComplete(ar -> LOG.debug("commit of revoked {}: {}", answered,
                    ar.succeeded() ? "done" : ar.cause().toString()));
        }
        assigned.removeAll(partitions);
        assignedNow = Set.copyOf(assigned);
        tracker.revoke(partitions);
        if (transactions != null) {
            transactions.revoke(partitions);
        }
    }

    /**
     * The consumer group's metadata for the offsets a transaction commits: the one of the last rebalance, unless the
     * consumer's thread has been through another that this event loop has yet to hear of (its handlers are queued
     * here behind us): until then our view of the partitions may be stale, and nothing is committed.
     */
    private ConsumerGroupMetadata currentGroupMetadata() {
        return handledAssignments == group.assignments() ? group.groupMetadata() : null;
    }

    private void committed(Map<TopicPartition, Long> offsets) {
        commits.incrementAndGet();
        offsets.forEach(tracker::committed);
        LOG.debug("committed {} in a transaction", offsets);
    }

    /**
     * On the consumer's thread, inside a rebalance, before {@code revoked} are taken away: waits (a little) for their
     * records in flight to be answered, then commits every answered offset while this worker still owns them, so that
     * the next owner starts after them instead of answering them again. In exactly-once mode the commit is a
     * transaction like any other; here the offsets are committed by the consumer itself (its own thread: a Vert.x
     * consumer call would queue behind this very rebalance).
     */
    private void beforeRevoke(Consumer<byte[], byte[]> kafka,
            Collection<org.apache.kafka.common.TopicPartition> revoked) {
        if (closed || consumerClosed) {
            return;
        }
        Set<TopicPartition> partitions = new HashSet<>();
        revoked.forEach(tp -> partitions.add(new TopicPartition(tp.topic(), tp.partition())));
        CompletableFuture<Map<TopicPartition, Long>> settled = new CompletableFuture<>();
        context.runOnContext(v -> settle(partitions, System.nanoTime() + REVOCATION_GRACE.toNanos(), settled));
        Map<TopicPartition, Long> offsets;
        try {
            offsets = settled.get(REVOCATION_GRACE.toMillis() + 3000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("{} not settled before their revocation: their uncommitted records will be answered again",
                    partitions);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException e) {
            LOG.warn("settling {} before their revocation failed: {}", partitions, e.getCause().toString());
            return;
        }
        if (offsets.isEmpty()) {
            return;
        }
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> commit =
                new HashMap<>();
        offsets.forEach((tp, offset) -> commit.put(new org.apache.kafka.common.TopicPartition(tp.getTopic(),
                tp.getPartition()), new org.apache.kafka.clients.consumer.OffsetAndMetadata(offset)));
        try {
            try {
                committer.commitSync(kafka, commit);
            } catch (WakeupException e) {
                // a wakeup meant for an idle poll (see withConsumer): spent now
                committer.commitSync(kafka, commit);
            }
            LOG.info("committed {} before their revocation", offsets);
            context.runOnContext(v -> offsets.forEach(tracker::committed));
        } catch (RuntimeException e) {
            LOG.warn("committing {} before their revocation failed: they will be answered again: {}", offsets,
                    e.toString());
        }
    }

    /** On the event loop: completes {@code settled} with the answered offsets once nothing of them is in flight. */
    private void settle(Set<TopicPartition> partitions, long deadlineNanos,
            CompletableFuture<Map<TopicPartition, Long>> settled) {
        if (closed) {
            settled.complete(Map.of());
            return;
        }
        boolean waiting = tracker.outstanding(partitions) > 0
                || (transactions != null && transactions.holds(partitions));
        if (waiting && System.nanoTime() - deadlineNanos < 0) {
            if (transactions != null) {
                transactions.commitReady();
            }
            vertx.setTimer(5, t -> settle(partitions, deadlineNanos, settled));
            return;
        }
        settled.complete(transactions != null ? Map.of() : tracker.committable(partitions));
    }

    private void pauseFetching(String why) {
        LOG.debug("pausing fetch: {}", why);
        fetchPaused = true;
        pausePartitions(Set.copyOf(assigned))
                .onFailure(e -> LOG.warn("pausing failed (retried on the next assignment): {}", e.toString()));
    }

    private void resumeFetching() {
        if (stopping) {
            return;
        }
        LOG.debug("resuming fetch: {} rows in flight", inFlight.rows());
        fetchPaused = false;
        withConsumer(c -> c.paused().compose(paused -> withConsumer(c2 -> c2.resume(paused))))
                .onFailure(e -> LOG.warn("resuming failed: {}", e.toString()));
    }

    private Future<Void> pausePartitions(Set<TopicPartition> partitions) {
        return withConsumer(c -> c.pause(partitions));
    }

    /**
     * Runs a consumer call unless the consumer is closing (see {@link #consumerClosed}). Vert.x runs it on the
     * consumer's thread after the poll in progress, which with every partition paused, or none with data, returns
     * only at its timeout: a wakeup ends that poll at once (Vert.x ignores the WakeupException and polls again after
     * the call), so pausing, resuming and the final commit never wait out the poll timeout. When no poll is running
     * the wakeup lands on the next blocking call instead, which may be a commit: requestCommit retries that one.
     */
    private <T> Future<T> withConsumer(Function<KafkaConsumer<byte[], byte[]>, Future<T>> call) {
        if (consumer == null || consumerClosed) {
            return Future.failedFuture("the consumer is closed");
        }
        Future<T> result = call.apply(consumer);
        consumer.unwrap().wakeup();
        return result;
    }

    private Future<Void> closeAll() {
        closed = true;
        if (idleTimer >= 0) {
            vertx.cancelTimer(idleTimer);
        }
        if (tuningTimer >= 0) {
            vertx.cancelTimer(tuningTimer);
        }
        consumerClosed = true;
        Future<Void> consumerClosing = consumer == null ? Future.succeededFuture() : consumer.close();
        return consumerClosing
                .otherwiseEmpty()
                .compose(v -> vertx.executeBlocking(() -> {
                    if (intake != null) {
                        // Nothing is queued after a drained stop; after a timeout, queued work is dropped (redelivered).
                        intake.shutdownNow();
                    }
                    return null;
                }))
                .otherwiseEmpty()
                .compose(v -> publisher == null ? Future.<Void>succeededFuture() : publisher.close())
                .otherwiseEmpty()
                .compose(v -> transactions == null ? Future.<Void>succeededFuture() : vertx.executeBlocking(() -> {
                    transactions.close();
                    return null;
                }))
                .otherwiseEmpty()
                .compose(v -> topicsAdmin == null ? Future.<Void>succeededFuture() : topicsAdmin.close())
                .otherwiseEmpty()
                .mapEmpty();
    }

    private Map<String, String> consumerConfig() {
        Map<String, String> props = new HashMap<>();
        props.put("auto.offset.reset", "earliest");
        // One poll never overshoots the in-flight bound by more than this many records.
        props.put("max.poll.records", Integer.toString(config.maxPollRecords(decodeStage != null)));
        // Cooperative: a rebalance moves only the partitions that change owner, and the others keep being served
        // through it (eager stops every member's every partition); revoked ones are settled in beforeRevoke.
        props.put("partition.assignment.strategy", CooperativeStickyAssignor.class.getName());
        if (config.delivery() == Delivery.EXACTLY_ONCE) {
            // Requests (and the prior's outputs) may themselves come from transactions: never act on aborted ones.
            props.put("isolation.level", "read_committed");
        }
        props.putAll(config.kafkaPropertiesFor("consumer"));
        props.put("bootstrap.servers", config.bootstrapServers());
        props.put("group.id", config.groupId());
        props.put("client.id", config.clientId() + "-consumer");
        props.put("enable.auto.commit", "false");
        return props;
    }

    private Map<String, Object> transactionalProducerConfig() {
        Map<String, Object> props = new HashMap<>(Publisher.producerConfig(config));
        // A crashed worker's open transaction holds back read_committed readers of its partitions until it times
        // out (or a worker with the same transactional id starts): Kafka's default of a minute is long for that.
        props.putIfAbsent("transaction.timeout.ms", "10000");
        props.put("transactional.id", config.transactionalId());
        return props;
    }

    private Map<String, String> adminConfig() {
        Map<String, String> props = new HashMap<>(config.kafkaPropertiesFor("admin"));
        props.put("bootstrap.servers", config.bootstrapServers());
        props.put("client.id", config.clientId() + "-admin");
        return props;
    }

    /** The same answer, FAILED, without what made it too large: images, diversity and the caller's metadata. */
    private static ImageResult tooLarge(ImageResult result, int bytes) {
        return ImageResult.newBuilder(result)
                .setStatus(Status.FAILED)
                .setErrorCode(ErrorCode.RESULT_TOO_LARGE.name())
                .setErrorMessage("the result (" + bytes + " bytes encoded) is larger than the producer or the results"
                        + " topic accepts; images and metadata were dropped"
                        + (result.getErrorCode() == null ? "" : " (original error " + result.getErrorCode() + ")"))
                .setImages(List.of())
                .setDiversity(null)
                .setMetadata(Map.of())
                .build();
    }

    private DeadLetter deadLetter(KafkaConsumerRecord<byte[], byte[]> record, String code, String reason) {
        return DeadLetter.newBuilder()
                .setOriginalValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
                .setOriginalKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                .setSourceTopic(record.topic())
                .setSourcePartition(record.partition())
                .setSourceOffset(record.offset())
                .setErrorCode(code)
                .setReason(reason)
                .setWorkerId(config.workerId())
                .setFailedAt(intake.clock().now())
                .build();
    }

    private static DeadLetter withoutOriginal(DeadLetter letter) {
        int size = letter.getOriginalValue() == null ? 0 : letter.getOriginalValue().remaining();
        return DeadLetter.newBuilder(letter)
                .setOriginalValue(null)
                .setOriginalKey(null)
                .setReason(letter.getReason() + " (the original value, " + size
                        + " bytes, was too large to keep in the dead letter)")
                .build();
    }
}

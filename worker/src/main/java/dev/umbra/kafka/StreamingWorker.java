package dev.umbra.kafka;

import dev.umbra.batch.AdaptiveBatchSizing;
import dev.umbra.batch.BatchSizing;
import dev.umbra.worker.DecodeStage;
import dev.umbra.worker.EmbeddingEngine;
import dev.umbra.worker.InferenceService;
import dev.umbra.worker.WorkerClock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A running Umbra worker: reads PromptRequests from Kafka, batches them, runs the model off the event loop and
 * publishes ImageResults (and DeadLetters for unreadable records).
 *
 * <p>Delivery is at least once: a partition's offset is committed only when the broker has acknowledged the answers of
 * every record before it, so a worker that dies before committing has its records answered again by the next one
 * (results carry the request_id: consumers deduplicate on it).
 *
 * <pre>{@code
 * Vertx vertx = Vertx.vertx();
 * StreamingWorker worker = StreamingWorker.start(vertx, WorkerConfig.builder("localhost:9092").build(),
 *         EmbeddingEngine.of(model)).await();
 * ...
 * worker.stop().await();   // finishes in-flight work, commits, closes the Kafka clients and the batcher
 * vertx.close().await();
 * }</pre>
 *
 * <p>The caller owns the {@link Vertx} instance and the model behind the engine, and closes them after {@link #stop()}.
 */
public final class StreamingWorker {

    private final Vertx vertx;
    private final WorkerVerticle verticle;
    private final String deploymentId;
    private final Future<Void> failure;

    private StreamingWorker(Vertx vertx, WorkerVerticle verticle, String deploymentId, Future<Void> failure) {
        this.vertx = vertx;
        this.verticle = verticle;
        this.deploymentId = deploymentId;
        this.failure = failure;
    }

    /**
     * Deploys a worker; the future completes once it is ready (topics found, clients made, subscribed) and fails, with
     * nothing left running, if it cannot be.
     */
    public static Future<StreamingWorker> start(Vertx vertx, WorkerConfig config, EmbeddingEngine engine) {
        return start(vertx, config, engine, null, OffsetCommitter.KAFKA);
    }

    /**
     * As {@link #start(Vertx, WorkerConfig, EmbeddingEngine)}, with the prior's answers decoded to pictures by
     * {@code decodeStage} (whose pool the caller owns and closes after {@link #stop()}).
     */
    public static Future<StreamingWorker> start(Vertx vertx, WorkerConfig config, EmbeddingEngine engine,
            DecodeStage decodeStage) {
        return start(vertx, config, engine, decodeStage, OffsetCommitter.KAFKA);
    }

    /** As {@link #start(Vertx, WorkerConfig, EmbeddingEngine)}, with the step that commits offsets replaced. */
    public static Future<StreamingWorker> start(
            Vertx vertx, WorkerConfig config, EmbeddingEngine engine, OffsetCommitter committer) {
        return start(vertx, config, engine, null, committer);
    }

    /** The general form: a decode stage (or null for embeddings only) and the step that commits offsets. */
    public static Future<StreamingWorker> start(Vertx vertx, WorkerConfig config, EmbeddingEngine engine,
            DecodeStage decodeStage, OffsetCommitter committer) {
        Objects.requireNonNull(engine, "engine");
        if (config.role() == WorkerRole.DECODER) {
            throw new IllegalArgumentException("a worker in the decoder role runs no prior: use startDecoder");
        }
        return deploy(vertx, new WorkerVerticle(config, codec -> new PromptIntake(codec,
                new InferenceService(engine, config.limits(), config.workerId()), sizing(config), config.inferenceLanes(),
                config.workerId(), config.replyTopics()), decodeStage, committer));
    }

    /**
     * A worker in the {@linkplain WorkerRole#DECODER decoder role}: reads the prior role's outputs from the embeddings
     * topic, decodes them with {@code decodeStage} (whose pool the caller owns) and publishes the results.
     */
    public static Future<StreamingWorker> startDecoder(Vertx vertx, WorkerConfig config, DecodeStage decodeStage,
            OffsetCommitter committer) {
        Objects.requireNonNull(decodeStage, "decodeStage");
        if (config.role() != WorkerRole.DECODER) {
            throw new IllegalArgumentException("startDecoder needs the decoder role (got " + config.role() + ")");
        }
        return deploy(vertx, new WorkerVerticle(config, codec -> new PriorOutputIntake(codec, config.workerId(),
                decodeStage.pool().identity(), WorkerClock.system()), decodeStage, committer));
    }

    /** {@link #startDecoder(Vertx, WorkerConfig, DecodeStage, OffsetCommitter)} committing to Kafka. */
    public static Future<StreamingWorker> startDecoder(Vertx vertx, WorkerConfig config, DecodeStage decodeStage) {
        return startDecoder(vertx, config, decodeStage, OffsetCommitter.KAFKA);
    }

    private static BatchSizing sizing(WorkerConfig config) {
        return config.latencyTarget() == null ? BatchSizing.fixed(config.batchPolicy())
                : new AdaptiveBatchSizing(config.latencyTarget().toNanos(), TimeUnit.NANOSECONDS,
                        config.batchPolicy().maxBatchRows());
    }

    private static Future<StreamingWorker> deploy(Vertx vertx, WorkerVerticle verticle) {
        Objects.requireNonNull(vertx, "vertx");
        Promise<Void> failure = Promise.promise();
        verticle.fatalHandler(failure::tryFail);
        return vertx.deployVerticle(verticle).map(id -> new StreamingWorker(vertx, verticle, id, failure.future()));
    }

    /** Stops cleanly: no more fetching, in-flight work answered (within the shutdown timeout), offsets committed. */
    public Future<Void> stop() {
        return vertx.undeploy(deploymentId);
    }

    /**
     * Fails, with a {@link KafkaAccessException}, when the worker meets an error that retrying cannot cure (its login
     * refused, an ACL it needs withdrawn) and should be stopped ({@link #stop()} is the owner's to call); never
     * completes otherwise.
     */
    public Future<Void> failure() {
        return failure;
    }

    /** Counters, readable from any thread. */
    public WorkerStats stats() {
        return verticle.stats();
    }

    /** Adds a listener told of every acknowledged answer, on the worker's event loop. */
    public void addAnswerListener(AnswerListener listener) {
        verticle.addAnswerListener(listener);
    }

    /** Records behind the end, per assigned partition (those fetched from so far); readable from any thread. */
    public Map<org.apache.kafka.common.TopicPartition, Double> consumerLag() {
        return verticle.consumerLag();
    }

    /** The name requests must give in {@code model} (or leave null). */
    public String servedModel() {
        return verticle.servedModel();
    }
}

package dev.umbra.kafka;

import dev.umbra.decoder.pool.DecoderOptions;
import dev.umbra.model.DjlRuntime;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.ModelException;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.model.prior.PriorConfig;
import dev.umbra.worker.EmbeddingEngine;
import dev.umbra.worker.NullEngine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker as a whole process: loads the model, starts Vert.x and a {@link StreamingWorker}, and on {@link #close()}
 * (or SIGTERM, through {@link #runUntilShutdown}) stops them in reverse order. It owns all three.
 */
public final class WorkerProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerProcess.class);

    private final EclipseModel model;   // null in the decoder role
    private final Decoding decoding;
    private final Vertx vertx;
    private final StreamingWorker worker;
    private final long stopTimeoutMillis;
    private boolean closed;

    private WorkerProcess(EclipseModel model, Decoding decoding, Vertx vertx, StreamingWorker worker,
            long stopTimeoutMillis) {
        this.model = model;
        this.decoding = decoding;
        this.vertx = vertx;
        this.worker = worker;
        this.stopTimeoutMillis = stopTimeoutMillis;
    }

    /**
     * Loads what the worker's role needs (the prior, its decoders, or both) and starts it; returns once it is ready.
     *
     * @param modelDir the path {@code null} or {@code null:E} for the {@linkplain NullEngine null model}, or a model in the
     *                 standard layout ({@code tokenizer/}, {@code text_encoder/}, {@code prior/}, and
     *                 for pictures {@code decoder/} and {@code image_encoder/}), served under the folder's name; null
     *                 for the embedded default model
     * @throws KafkaAccessException if the cluster refuses the worker's login or its principal lacks a right it needs
     *                              (checked while the model loads)
     */
    public static WorkerProcess start(WorkerConfig config, DecodeConfig decode, Path modelDir, RuntimeOptions runtime)
            throws Exception {
        // A wrong password or a missing ACL never heals: asked while the model loads, so that it is told in seconds
        // (not in a consumer's retry loop), and a bad model or decoder setting is still told first.
        CompletableFuture<Void> access = KafkaAccessCheck.verifyInBackground(config);
        Path dir = modelDir == null ? EmbeddedModels.defaultModelDir() : modelDir;
        Optional<NullEngine> nullModel = NullEngine.parse(modelDir);
        // The decoder role runs no prior: it needs only the prior's embedding width, for decoder services.
        EclipseModel model = config.role() == WorkerRole.DECODER || nullModel.isPresent() ? null : modelDir == null
                ? EmbeddedModels.loadDefault(runtime)
                : EclipseModel.load(ModelPaths.of(modelDir), runtime);
        config = withLanes(config, model);
        if (model != null) {
            LOG.info("model runtime: {}; {} inference lane(s)", DjlRuntime.describe(model.device(), model.dtype()),
                    config.inferenceLanes());
        }
        EmbeddingEngine engine = nullModel.isPresent() ? nullModel.get()
                : model == null ? null : EmbeddingEngine.of(model);
        Decoding decoding;
        try {
            if (config.role() == WorkerRole.PRIOR) {
                decoding = Decoding.open(DecodeConfig.none(), dir, runtime, config.maxInFlightRows(), 0);
            } else {
                int e = engine != null ? engine.embeddingDim() : PriorConfig.load(dir.resolve("prior")).embeddingDim();
                decoding = Decoding.open(decodersFor(decode, nullModel.isPresent()), dir, runtime,
                        config.maxInFlightRows(), e);
                if (config.role() == WorkerRole.DECODER && decoding.stage() == null) {
                    decoding.close();
                    throw new ModelException("--role decoder needs a decoder, and " + dir + " has no decoder/ (give"
                            + " a model with one, or --decoder http --decoder-url URL)");
                }
            }
        } catch (RuntimeException e) {
            if (model != null) {
                model.close();
            }
            throw e;
        }
        try {
            KafkaAccessCheck.await(access);
        } catch (RuntimeException e) {
            decoding.close();
            if (model != null) {
                model.close();
            }
            throw e;
        }
        Vertx vertx = Vertx.vertx();
        // Starting covers topic checks and the group join's first steps: give it the shutdown budget too.
        long timeoutMillis = config.shutdownTimeout().toMillis() + 60_000;
        try {
            Future<StreamingWorker> started = config.role() == WorkerRole.DECODER
                    ? StreamingWorker.startDecoder(vertx, config, decoding.stage())
                    : StreamingWorker.start(vertx, config, engine, decoding.stage());
            StreamingWorker worker = started.await(timeoutMillis, TimeUnit.MILLISECONDS);
            return new WorkerProcess(model, decoding, vertx, worker, timeoutMillis);
        } catch (Exception e) {
            vertx.close().await(timeoutMillis, TimeUnit.MILLISECONDS);
            decoding.close();
            if (model != null) {
                model.close();
            }
            throw e;
        }
    }

    /** The null model has no decoder of its own: {@code auto} means none, and {@code shapes} cannot be. */
    /**
     * Resolves {@code --inference-lanes} left to the device: on a CPU with two cores or more to use ({@code --threads},
     * else all of them), two batches side by side, each with half of those cores as libtorch threads: on 2 cores
     * that answered 1.4-1.5x the requests of one batch on both (docs/performance.md). On a GPU, or for the null
     * model, one.
     */
    static WorkerConfig withLanes(WorkerConfig config, EclipseModel model) {
        if (config.inferenceLanes() > 0) {
            return config;
        }
        int cores = DjlRuntime.intraOpThreadsSet() ? DjlRuntime.intraOpThreads()
                : Runtime.getRuntime().availableProcessors();
        int lanes = model != null && !model.device().isGpu() && cores >= 2 ? 2 : 1;
        if (lanes > 1) {
            DjlRuntime.setIntraOpThreads(Math.max(1, cores / lanes));
        }
        return config.toBuilder().inferenceLanes(lanes).build();
    }

    private static DecodeConfig decodersFor(DecodeConfig decode, boolean nullModel) {
        if (!nullModel) {
            return decode;
        }
        return switch (decode.decoder().decoder()) {
            case DecoderOptions.AUTO -> DecodeConfig.none();
            case DecoderOptions.SHAPES -> throw new ModelException("the null model has no decoder: use --decoder http"
                    + " or none with --model null");
            default -> decode;
        };
    }

    /** A worker without pictures (embeddings only): {@link #start(WorkerConfig, DecodeConfig, Path, RuntimeOptions)}. */
    public static WorkerProcess start(WorkerConfig config, Path modelDir, RuntimeOptions runtime) throws Exception {
        return start(config, DecodeConfig.none(), modelDir, runtime);
    }

    /**
     * Starts a worker and blocks until the JVM is asked to exit (SIGTERM, SIGINT), then stops it cleanly. A worker that
     * fails for good while it runs ({@link StreamingWorker#failure()}: its login refused, an ACL withdrawn) is stopped
     * and its error thrown, so that the command ends with it and a non-zero exit.
     */
    public static void runUntilShutdown(WorkerConfig config, DecodeConfig decode, Path modelDir, RuntimeOptions runtime)
            throws Exception {
        runUntilShutdown(config, decode, modelDir, runtime, process -> { });
    }

    /** As {@link #runUntilShutdown(WorkerConfig, DecodeConfig, Path, RuntimeOptions)}, telling {@code started} of it. */
    public static void runUntilShutdown(WorkerConfig config, DecodeConfig decode, Path modelDir, RuntimeOptions runtime,
            Consumer<WorkerProcess> started) throws Exception {
        WorkerProcess process = start(config, decode, modelDir, runtime);
        started.accept(process);
        // Completes with null after a requested shutdown, or with the error the worker cannot go on with.
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Thread hook = new Thread(() -> {
            LOG.info("shutdown requested: finishing in-flight work and committing");
            try {
                process.close();
            } finally {
                ended.complete(null);
            }
        }, "umbra-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        process.worker().failure().onFailure(ended::complete);
        Throwable fatal = ended.get();
        if (fatal == null) {
            return;
        }
        process.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is exiting already; the hook's close is a no-op now.
        }
        throw fatal instanceof Exception e ? e : new IllegalStateException(fatal);
    }

    public StreamingWorker worker() {
        return worker;
    }

    public Decoding decoding() {
        return decoding;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            worker.stop().await(stopTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("worker did not stop cleanly: {}", e.toString());
        }
        try {
            vertx.close().await(stopTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("Vert.x did not close cleanly: {}", e.toString());
        }
        decoding.close();
        if (model != null) {
            model.close();
        }
    }
}

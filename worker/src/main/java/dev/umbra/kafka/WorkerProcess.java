package dev.umbra.kafka;

import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.worker.EmbeddingEngine;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker as a whole process: loads the model, starts Vert.x and a {@link StreamingWorker}, and on {@link #close()}
 * (or SIGTERM, through {@link #runUntilShutdown}) stops them in reverse order. It owns all three.
 */
public final class WorkerProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerProcess.class);

    private final EclipseModel model;
    private final Vertx vertx;
    private final StreamingWorker worker;
    private final long stopTimeoutMillis;
    private boolean closed;

    private WorkerProcess(EclipseModel model, Vertx vertx, StreamingWorker worker, long stopTimeoutMillis) {
        this.model = model;
        this.vertx = vertx;
        this.worker = worker;
        this.stopTimeoutMillis = stopTimeoutMillis;
    }

    /**
     * Loads the model and starts the worker; returns once it is ready.
     *
     * @param modelDir a model in the standard layout ({@code tokenizer/}, {@code text_encoder/}, {@code prior/}),
     *                 served under the folder's name; null for the embedded default model
     */
    public static WorkerProcess start(WorkerConfig config, Path modelDir, RuntimeOptions runtime) throws Exception {
        EclipseModel model = modelDir == null
                ? EmbeddedModels.loadDefault(runtime)
                : EclipseModel.load(ModelPaths.of(modelDir), runtime);
        Vertx vertx = Vertx.vertx();
        // Starting covers topic checks and the group join's first steps: give it the shutdown budget too.
        long timeoutMillis = config.shutdownTimeout().toMillis() + 60_000;
        try {
            StreamingWorker worker = StreamingWorker.start(vertx, config, EmbeddingEngine.of(model))
                    .await(timeoutMillis, TimeUnit.MILLISECONDS);
            return new WorkerProcess(model, vertx, worker, timeoutMillis);
        } catch (Exception e) {
            vertx.close().await(timeoutMillis, TimeUnit.MILLISECONDS);
            model.close();
            throw e;
        }
    }

    /** Starts a worker and blocks until the JVM is asked to exit (SIGTERM, SIGINT), then stops it cleanly. */
    public static void runUntilShutdown(WorkerConfig config, Path modelDir, RuntimeOptions runtime) throws Exception {
        WorkerProcess process = start(config, modelDir, runtime);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutdown requested: finishing in-flight work and committing");
            try {
                process.close();
            } finally {
                stopped.countDown();
            }
        }, "umbra-shutdown"));
        stopped.await();
    }

    public StreamingWorker worker() {
        return worker;
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
        model.close();
    }
}

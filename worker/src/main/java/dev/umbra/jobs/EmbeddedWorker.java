package dev.umbra.jobs;

import dev.umbra.kafka.DecodeConfig;
import dev.umbra.kafka.Decoding;
import dev.umbra.kafka.StreamingWorker;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.worker.EmbeddingEngine;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A worker on the embedded default model inside this JVM, serving the topics of {@code config} on whatever broker it
 * names: what {@code batch} runs when given no cluster, and what tests run beside a batch process. Owns the model,
 * the decoder pool, its Vert.x instance and the worker; {@link #close()} stops them in reverse order.
 */
public final class EmbeddedWorker implements AutoCloseable {

    private static final long STOP_TIMEOUT_SECONDS = 60;

    private final EclipseModel model;
    private final Decoding decoding;
    private final Vertx vertx;
    private final StreamingWorker worker;

    private EmbeddedWorker(EclipseModel model, Decoding decoding, Vertx vertx, StreamingWorker worker) {
        this.model = model;
        this.decoding = decoding;
        this.vertx = vertx;
        this.worker = worker;
    }

    /** Loads the model and the decoder and returns once the worker is subscribed; nothing is left running on failure. */
    public static EmbeddedWorker start(WorkerConfig config, DecodeConfig decode) throws Exception {
        return start(config, decode, UnaryOperator.identity());
    }

    /** As {@link #start(WorkerConfig, DecodeConfig)}, the model's engine wrapped (tests pace it to hold work back). */
    public static EmbeddedWorker start(WorkerConfig config, DecodeConfig decode, UnaryOperator<EmbeddingEngine> wrap)
            throws Exception {
        EclipseModel model = EmbeddedModels.loadDefault(RuntimeOptions.defaults());
        Decoding decoding = null;
        Vertx vertx = null;
        try {
            decoding = Decoding.open(decode, EmbeddedModels.defaultModelDir(), RuntimeOptions.defaults(),
                    config.maxInFlightRows(), model.embeddingDim());
            vertx = Vertx.vertx();
            StreamingWorker worker = StreamingWorker.start(vertx, config, wrap.apply(EmbeddingEngine.of(model)),
                            decoding.stage())
                    .await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return new EmbeddedWorker(model, decoding, vertx, worker);
        } catch (Exception | Error e) {
            if (vertx != null) {
                vertx.close().await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            if (decoding != null) {
                decoding.close();
            }
            model.close();
            throw e;
        }
    }

    public StreamingWorker worker() {
        return worker;
    }

    /** Finishes in-flight work and commits (the worker's clean stop), then frees the decoder and the model. */
    @Override
    public void close() throws Exception {
        try {
            worker.stop().await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } finally {
            vertx.close().await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            decoding.close();
            model.close();
        }
    }
}

package dev.umbra.http;

import dev.umbra.http.gallery.Gallery;
import dev.umbra.kafka.Decoding;
import dev.umbra.kafka.StreamingWorker;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.WorkerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's HTTP edge: {@code /metrics} (Prometheus), {@code /health/live}, {@code /health/ready}, and the live
 * gallery ({@code /}, {@code /events}, {@code /api/prompts}, {@code /images/...}). It starts before the model loads,
 * so that probes answer (not ready) while it does, and is {@linkplain #bind bound} to the worker once that runs. It
 * owns its Vert.x instance (one event loop), the metrics registry and the gallery's Kafka clients.
 */
public final class OpsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);
    private static final long TIMEOUT_SECONDS = 30;

    private final Vertx vertx;
    private final HttpServer server;
    private final WorkerMetrics metrics;
    private final Readiness readiness;
    private final Gallery gallery;

    private OpsServer(Vertx vertx, HttpServer server, WorkerMetrics metrics, Readiness readiness, Gallery gallery) {
        this.vertx = vertx;
        this.server = server;
        this.metrics = metrics;
        this.readiness = readiness;
        this.gallery = gallery;
    }

    /** Listens on {@code http}'s address; returns once it does. Fails (with nothing left open) if it cannot. */
    public static OpsServer start(HttpOptions http, WorkerConfig config) throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
        WorkerMetrics metrics = new WorkerMetrics(config.role().cliName());
        Readiness readiness = null;
        Gallery gallery = null;
        try {
            readiness = new Readiness(vertx, config);
            gallery = Gallery.start(vertx, config);
            Router router = router(vertx, metrics, readiness, gallery);
            HttpServer server = vertx.createHttpServer().requestHandler(router)
                    .listen(http.port(), http.host()).await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            LOG.info("HTTP on http://{}:{}/ (metrics /metrics, health /health/live and /health/ready, gallery /)",
                    http.host(), server.actualPort());
            return new OpsServer(vertx, server, metrics, readiness, gallery);
        } catch (Exception e) {
            if (gallery != null) {
                gallery.close();
            }
            if (readiness != null) {
                readiness.close();
            }
            metrics.close();
            vertx.close().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static Router router(Vertx vertx, WorkerMetrics metrics, Readiness readiness, Gallery gallery) {
        Router router = Router.router(vertx);
        router.get("/metrics").blockingHandler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape()), false);
        router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
        router.get("/health/ready").handler(ctx -> readiness.check().onComplete(ar -> {
            JsonObject body = ar.succeeded() ? ar.result()
                    : new JsonObject().put("status", "DOWN").put("error", String.valueOf(ar.cause()));
            ctx.response().setStatusCode("UP".equals(body.getString("status")) ? 200 : 503);
            ctx.json(body);
        }));
        router.get("/events").handler(ctx -> gallery.stream(ctx.response()));
        router.post("/api/prompts").handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(ctx -> {
            JsonObject body;
            try {
                body = ctx.body().asJsonObject();
            } catch (RuntimeException e) {
                body = null;
            }
            if (body == null) {
                ctx.response().setStatusCode(400);
                ctx.json(new JsonObject().put("error", "expected a JSON object {\"prompt\": \"...\", \"num_images\": 1}"));
                return;
            }
            gallery.submit(body).onComplete(ar -> {
                if (ar.succeeded()) {
                    ctx.response().setStatusCode(202);
                    ctx.json(new JsonObject().put("request_id", ar.result()));
                } else {
                    ctx.response().setStatusCode(ar.cause() instanceof IllegalArgumentException ? 400 : 503);
                    ctx.json(new JsonObject().put("error", ar.cause().getMessage()));
                }
            });
        });
        router.get("/images/:request/:index").handler(ctx -> {
            String index = ctx.pathParam("index").replaceFirst("\\.png$", "");
            int i;
            try {
                i = Integer.parseInt(index);
            } catch (NumberFormatException e) {
                ctx.response().setStatusCode(404).end();
                return;
            }
            gallery.image(ctx.pathParam("request"), i).ifPresentOrElse(
                    png -> ctx.response().putHeader("Content-Type", "image/png")
                            .putHeader("Cache-Control", "max-age=3600").end(png),
                    () -> ctx.response().setStatusCode(404).end("no such picture kept"));
        });
        router.get("/*").handler(StaticHandler.create("umbra/http/gallery").setCachingEnabled(false));
        return router;
    }

    /** From now on metrics and readiness read this worker. */
    public void bind(WorkerProcess process) {
        bind(process.worker(), process.decoding());
    }

    /** From now on metrics and readiness read this worker and its decoders (null if it has none). */
    public void bind(StreamingWorker worker, Decoding decoding) {
        metrics.bind(worker, decoding);
        readiness.bind(worker);
    }

    /** The port listened on (the one given, or the free one taken for 0). */
    public int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        try {
            server.close().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("HTTP server did not close cleanly: {}", e.toString());
        }
        gallery.close();
        readiness.close();
        metrics.close();
        try {
            vertx.close().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("HTTP Vert.x did not close cleanly: {}", e.toString());
        }
    }
}

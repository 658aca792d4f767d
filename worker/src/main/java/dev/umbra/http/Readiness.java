package dev.umbra.http;

import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.StreamingWorker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.admin.KafkaAdminClient;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code /health/ready}: ready when the model (or the decoders) is loaded, the worker holds input partitions and the
 * broker answers. The broker is asked at most once per {@link #BROKER_CACHE_MILLIS}, so that probes do not load it.
 */
final class Readiness implements AutoCloseable {

    static final long BROKER_CACHE_MILLIS = 2_000;
    private static final int BROKER_TIMEOUT_MILLIS = 2_000;

    private final KafkaAdminClient admin;
    private volatile StreamingWorker worker;
    private volatile Check broker = new Check(false, "not asked yet");
    private long brokerCheckedNanos;
    private Future<Check> brokerAsking;

    /** One check: whether it passes and why. */
    record Check(boolean up, String detail) {
        JsonObject json() {
            return new JsonObject().put("up", up).put("detail", detail);
        }
    }

    Readiness(Vertx vertx, WorkerConfig config) {
        Map<String, String> props = new HashMap<>(config.kafkaPropertiesFor("admin"));
        props.put("bootstrap.servers", config.bootstrapServers());
        props.put("client.id", config.clientId() + "-health");
        props.put("request.timeout.ms", Integer.toString(BROKER_TIMEOUT_MILLIS));
        props.put("default.api.timeout.ms", Integer.toString(BROKER_TIMEOUT_MILLIS));
        this.admin = KafkaAdminClient.create(vertx, props);
    }

    void bind(StreamingWorker worker) {
        this.worker = worker;
    }

    /** Runs the checks (on the event loop); the JSON says each one's verdict and reason. */
    Future<JsonObject> check() {
        StreamingWorker p = worker;
        Check model = p == null ? new Check(false, "loading the model")
                : new Check(true, "serving " + p.servedModel());
        int partitions = p == null ? 0 : p.stats().assignedPartitions();
        Check assigned = p == null ? new Check(false, "the worker has not started")
                : partitions > 0 ? new Check(true, partitions + " partition(s) assigned")
                : new Check(false, "no partitions assigned (joining the group, or more workers than partitions)");
        return broker().map(b -> {
            boolean up = model.up() && assigned.up() && b.up();
            return new JsonObject().put("status", up ? "UP" : "DOWN").put("checks", new JsonObject()
                    .put("model", model.json()).put("partitions", assigned.json()).put("broker", b.json()));
        });
    }

    private Future<Check> broker() {
        long now = System.nanoTime();
        if (brokerAsking != null) {
            return brokerAsking;
        }
        if (now - brokerCheckedNanos < TimeUnit.MILLISECONDS.toNanos(BROKER_CACHE_MILLIS) && brokerCheckedNanos != 0) {
            return Future.succeededFuture(broker);
        }
        Future<Check> asking = admin.describeCluster()
                .map(c -> new Check(true, c.getNodes().size() + " broker(s), cluster " + c.getClusterId()))
                .otherwise(e -> new Check(false, "the broker does not answer: " + e.getMessage()));
        brokerAsking = asking;
        asking.onComplete(ar -> {
            broker = ar.result();
            brokerCheckedNanos = System.nanoTime();
            brokerAsking = null;
        });
        return asking;
    }

    @Override
    public void close() {
        admin.close();
    }
}

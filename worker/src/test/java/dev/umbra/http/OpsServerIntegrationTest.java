package dev.umbra.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.kafka.DecodeConfig;
import dev.umbra.kafka.KafkaTestKit;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.WorkerProcess;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.RuntimeOptions;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /metrics and /health against a real worker on the embedded broker, read with a plain HTTP client. */
public class OpsServerIntegrationTest {

    private static EmbeddedKafkaBroker broker;
    private static KafkaTestKit kit;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
        kit = new KafkaTestKit(broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void metricsAndHealthFollowTheWorker() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics("ops", 2);
        WorkerConfig config = topics.config(kit.bootstrapServers()).build();
        try (OpsServer ops = OpsServer.start(new HttpOptions("127.0.0.1", 0), config)) {
            String base = "http://127.0.0.1:" + ops.port();
            assertEquals(200, get(base + "/health/live").statusCode());
            // Before the worker runs: not ready, and the body says why.
            HttpResponse<String> early = get(base + "/health/ready");
            assertEquals(503, early.statusCode());
            JsonObject checks = new JsonObject(early.body()).getJsonObject("checks");
            assertFalse(checks.getJsonObject("model").getBoolean("up"));
            assertEquals("loading the model", checks.getJsonObject("model").getString("detail"));
            assertTrue(checks.getJsonObject("broker").getBoolean("up"), early.body());

            try (WorkerProcess process = WorkerProcess.start(config, DecodeConfig.none(), EmbeddedModels.tinyModelDir(),
                    RuntimeOptions.defaults())) {
                ops.bind(process);
                KafkaTestKit.await(() -> get(base + "/health/ready").statusCode() == 200,
                        () -> "never ready: " + get(base + "/health/ready").body());
                JsonObject ready = new JsonObject(get(base + "/health/ready").body());
                assertEquals("UP", ready.getString("status"));
                assertEquals("2 partition(s) assigned",
                        ready.getJsonObject("checks").getJsonObject("partitions").getString("detail"));

                int n = 10;
                List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    records.add(KafkaTestKit.record(topics.prompts(),
                            KafkaTestKit.request("ops-" + i, "a fox " + i).build()));
                }
                records.add(new ProducerRecord<>(topics.prompts(), "junk".getBytes(), "not avro".getBytes()));
                kit.produce(records);
                assertEquals(n, kit.readFor(topics.results(), n, Duration.ofSeconds(60)).size());
                KafkaTestKit.await(() -> value(scrape(base), "umbra_results_total",
                        "handed_on=\"false\",role=\"all\",status=\"OK\"") == n, () -> scrape(base));

                String metrics = scrape(base);
                assertEquals(n + 1, value(metrics, "umbra_records_received_total", "role=\"all\""), metrics);
                KafkaTestKit.await(() -> value(scrape(base), "umbra_dead_letters_total", "role=\"all\"") == 1,
                        () -> scrape(base));
                assertEquals(n, value(metrics, "umbra_stage_seconds_count", "role=\"all\",stage=\"prior\""));
                assertEquals(n, value(metrics, "umbra_stage_seconds_count", "role=\"all\",stage=\"end_to_end\""));
                assertTrue(value(metrics, "umbra_stage_seconds_sum", "role=\"all\",stage=\"prior\"") > 0);
                // Batch sizes are counted per batch: their rows add up to the requests.
                assertEquals(n, value(metrics, "umbra_batch_rows_sum", "role=\"all\""));
                assertTrue(value(metrics, "umbra_batch_rows_count", "role=\"all\"") >= 1);
                assertTrue(metrics.contains("umbra_batch_rows_bucket{"), "a histogram, for histogram_quantile");
                assertEquals(0, value(metrics, "umbra_in_flight_rows", "role=\"all\""));
                assertEquals(0, value(metrics, "umbra_batcher_queued_rows", "role=\"all\""));
                assertEquals(2, value(metrics, "umbra_assigned_partitions", "role=\"all\""));
                assertTrue(value(metrics, "umbra_commits_total", "role=\"all\"") >= 1);
                assertEquals(0, value(metrics, "umbra_commit_failures_total", "role=\"all\""));
                assertTrue(value(metrics, "umbra_process_resident_memory_bytes", "role=\"all\"") > 50e6, metrics);
                assertTrue(metrics.contains("jvm_memory_used_bytes{"), "JVM memory");
                // Lag per partition, from the consumer's own metric: everything read, so zero.
                for (int p = 0; p < 2; p++) {
                    String tags = "partition=\"" + p + "\",role=\"all\",topic=\"" + topics.prompts() + "\"";
                    int partition = p;
                    KafkaTestKit.await(() -> value(scrape(base), "umbra_consumer_lag_records", tags) == 0,
                            () -> "partition " + partition + ": " + scrape(base));
                }
                // Kafka's legacy copy of the lag (dots as underscores in the topic) is not reported twice.
                String legacy = "topic=\"" + topics.prompts().replace('.', '_') + "\"";
                assertFalse(scrape(base).contains(legacy), scrape(base));
            }
        }
    }

    @Test
    void thePromptFormPublishesValidRequestsAndRefusesOthers() throws Exception {
        KafkaTestKit.Topics topics = kit.createTopics("form", 1);
        WorkerConfig config = topics.config(kit.bootstrapServers()).build();
        try (OpsServer ops = OpsServer.start(new HttpOptions("127.0.0.1", 0), config)) {
            String base = "http://127.0.0.1:" + ops.port();
            HttpResponse<String> ok = post(base + "/api/prompts", "{\"prompt\": \" two owls \", \"num_images\": 3}");
            assertEquals(202, ok.statusCode(), ok.body());
            String id = new JsonObject(ok.body()).getString("request_id");
            var published = KafkaTestKit.CODEC.decodePromptRequest(
                    kit.readFor(topics.prompts(), 1, Duration.ofSeconds(30)).get(0).value());
            assertEquals(id, published.getRequestId().toString());
            assertEquals("two owls", published.getPrompt().toString());
            assertEquals(3, published.getNumImages());

            HttpResponse<String> tooMany = post(base + "/api/prompts", "{\"prompt\": \"owls\", \"num_images\": 9}");
            assertEquals(400, tooMany.statusCode());
            assertEquals("num_images must be between 1 and 8 (got 9)", new JsonObject(tooMany.body()).getString("error"));
            HttpResponse<String> empty = post(base + "/api/prompts", "{\"prompt\": \"  \"}");
            assertEquals(400, empty.statusCode());
            assertEquals("prompt is empty", new JsonObject(empty.body()).getString("error"));
            HttpResponse<String> notJson = post(base + "/api/prompts", "prompt=owls");
            assertEquals(400, notJson.statusCode());
            assertTrue(new JsonObject(notJson.body()).getString("error").startsWith("expected a JSON object"));
            assertEquals(404, get(base + "/images/nobody/0.png").statusCode());
            HttpResponse<String> page = get(base + "/");
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<title>Umbra gallery</title>"));
        }
    }

    @Test
    void notReadyWhenTheBrokerDoesNotAnswer() throws Exception {
        int dead;
        try (ServerSocket socket = new ServerSocket(0)) {
            dead = socket.getLocalPort(); // closed again: nothing listens there
        }
        WorkerConfig config = WorkerConfig.builder("127.0.0.1:" + dead).workerId("lonely").build();
        try (OpsServer ops = OpsServer.start(new HttpOptions("127.0.0.1", 0), config)) {
            String base = "http://127.0.0.1:" + ops.port();
            HttpResponse<String> ready = get(base + "/health/ready");
            assertEquals(503, ready.statusCode());
            JsonObject broker = new JsonObject(ready.body()).getJsonObject("checks").getJsonObject("broker");
            assertFalse(broker.getBoolean("up"));
            assertTrue(broker.getString("detail").startsWith("the broker does not answer"), ready.body());
            assertEquals(200, get(base + "/health/live").statusCode(), "alive all the same");
        }
    }

    @Test
    void refusesAnotherServersPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            WorkerConfig config = WorkerConfig.builder(broker.bootstrapServers()).workerId("clash").build();
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> OpsServer.start(new HttpOptions("127.0.0.1", taken.getLocalPort()), config));
            assertTrue(String.valueOf(e.getMessage()).toLowerCase().contains("address already in use"), e.toString());
        }
    }

    public static HttpResponse<String> get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("GET " + url + ": " + e, e);
        }
    }

    static HttpResponse<String> post(String url, String json) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("POST " + url + ": " + e, e);
        }
    }

    public static String scrape(String base) {
        HttpResponse<String> r = get(base + "/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        return r.body();
    }

    /** The value of one series (name and exact label set), or NaN when it is not there. */
    public static double value(String metrics, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}

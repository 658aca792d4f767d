package dev.umbra.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.umbra.kafka.StreamingWorker;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.loadtest.pipe.BaselineResults;
import dev.umbra.loadtest.report.JsonReport;
import dev.umbra.loadtest.report.RunChart;
import dev.umbra.loadtest.report.TimelineCsv;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.PromptRequest;
import dev.umbra.worker.NullEngine;
import io.vertx.core.Vertx;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole tool, from the command line to the reports, on a real (embedded) Kafka broker: against the baseline
 * pass-through ({@code run --baseline}) and against a real worker (the null model: the serving layer without
 * inference).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KafkaLoadTest {

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theBaselineAnswersEveryRequestAndTheReportsSayWhatHappened(@TempDir Path out) throws Exception {
        String prompts = "base.prompts";
        String results = "base.results";
        broker.createTopics(Map.of(prompts, 2, results, 2));
        // A result from before the run, of another run: the tool starts reading after it, so never sees it.
        EventCodec codec = new EventCodec();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", broker.bootstrapServers()), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            byte[] old = new BaselineResults(codec, "old", 8, 0).encode(PromptRequest.newBuilder()
                    .setRequestId("old-run-0").setPrompt("p").setCreatedAt(Instant.now()).build(), Instant.now())
                    .value();
            producer.send(new ProducerRecord<>(results, "old-run-0".getBytes(StandardCharsets.UTF_8), old))
                    .get(30, TimeUnit.SECONDS);
        }

        CliTest.Outcome o = CliTest.execute("run", "--baseline", "--bootstrap-servers", broker.bootstrapServers(),
                "--prompts-topic", prompts, "--results-topic", results, "--group-id", "base.group",
                "--rate", "40", "--duration", "3s", "--warmup", "1s", "--grace", "20s", "--settle", "300ms",
                "--seed", "5", "--embedding-dim", "64", "--result-bytes", "1500", "--out", out.toString());
        assertEquals(0, o.code(), () -> "stderr: " + o.err() + "\nstdout: " + o.out());
        assertTrue(o.out().contains("lost 0"), o.out());

        JsonNode report = JsonReport.MAPPER.readTree(out.resolve(RunCommand.REPORT_JSON).toFile());
        JsonNode r = report.get("results");
        JsonNode measured = r.get("measured");
        assertEquals(120, measured.get("sent").asLong(), "40/s for 3 s, evenly");
        assertEquals(120, measured.get("answered").asLong());
        assertEquals(0, measured.get("lost").asLong());
        assertEquals(0, measured.get("duplicates").asLong());
        assertEquals(0, measured.get("dropped").asLong());
        assertEquals(40, r.get("warmup").get("answered").asLong());
        assertEquals(120, r.get("by_status").get("OK").asLong());
        assertEquals(0, r.get("foreign_results").asLong(), "the earlier result was before the end offsets");
        assertEquals(1500, r.get("result_bytes").get("min").asLong());
        assertEquals(1500, r.get("result_bytes").get("max").asLong());
        assertEquals("open", report.get("settings").get("mode").asText());
        // The pass-through's results carry zero timings and a batch of their own rows: counted, no bound asked for.
        assertEquals(120, r.get("worker").get("count").asLong());
        assertEquals(0.0, r.get("worker").get("compute_ms").get("max").asDouble());
        assertTrue(r.get("worker").get("p99_bound").isNull());
        assertFalse(o.out().contains("p99 bound"), o.out());

        JsonNode latency = r.get("latency");
        double previous = 0;
        for (String p : List.of("p50", "p90", "p99", "p99_9", "p99_99", "max")) {
            double v = latency.get(p).asDouble();
            assertTrue(v >= previous && v > 0, p + " = " + v + " after " + previous);
            previous = v;
        }
        assertEquals(120, latency.get("count").asLong());

        List<String> csv = Files.readAllLines(out.resolve(RunCommand.TIMELINE_CSV));
        assertEquals(TimelineCsv.HEADER, csv.get(0));
        assertTrue(csv.size() >= 1 + 4, "a row per second of 4 s and the drain: " + csv.size());
        long sentInRows = 0;
        for (String row : csv.subList(1, csv.size())) {
            String[] cells = row.split(",", -1);
            assertEquals(12, cells.length, row);
            sentInRows += Long.parseLong(cells[4]);
        }
        assertEquals(160, sentInRows, "warm-up and measured sends, each in its second");

        BufferedImage chart = ImageIO.read(out.resolve(RunCommand.CHART_PNG).toFile());
        assertEquals(RunChart.WIDTH, chart.getWidth());
        assertEquals(2 * RunChart.PANEL_HEIGHT, chart.getHeight());
    }

    @Test
    void aClosedLoopAgainstAWorkerKeepsItsConcurrency(@TempDir Path out) throws Exception {
        String prompts = "worker.prompts";
        String results = "worker.results";
        broker.createTopics(Map.of(prompts, 2, results, 1, "worker.dead-letter", 1));
        WorkerConfig config = WorkerConfig.builder(broker.bootstrapServers()).promptsTopic(prompts)
                .resultsTopic(results).deadLetterTopic("worker.dead-letter").groupId("worker.group")
                .workerId("it-worker").build();
        String stdout;
        Vertx vertx = Vertx.vertx();
        try {
            StreamingWorker worker = StreamingWorker.start(vertx, config, new NullEngine(NullEngine.DEFAULT_DIM))
                    .await(60, TimeUnit.SECONDS);
            CliTest.Outcome o;
            try {
                o = CliTest.execute("run", "--bootstrap-servers", broker.bootstrapServers(), "--prompts-topic",
                        prompts, "--results-topic", results, "--concurrency", "6", "--duration", "2s", "--warmup",
                        "500ms", "--images", "2", "--grace", "20s", "--settle", "200ms", "--max-wait-ms", "20",
                        "--out", out.toString());
            } finally {
                worker.stop().await(60, TimeUnit.SECONDS);
            }
            assertEquals(0, o.code(), () -> "stderr: " + o.err() + "\nstdout: " + o.out());
            stdout = o.out();
        } finally {
            vertx.close().await(60, TimeUnit.SECONDS);
        }
        JsonNode report = JsonReport.MAPPER.readTree(out.resolve(RunCommand.REPORT_JSON).toFile());
        JsonNode r = report.get("results");
        assertEquals("closed", report.get("settings").get("mode").asText());
        assertTrue(r.get("max_outstanding").asLong() <= 6, r.toString());
        long sent = r.get("measured").get("sent").asLong();
        assertTrue(sent > 12, "sent " + sent);
        assertEquals(sent, r.get("measured").get("answered").asLong());
        assertEquals(sent, r.get("by_status").get("OK").asLong());
        assertEquals(0, r.get("measured").get("lost").asLong());
        assertTrue(r.get("result_bytes").get("min").asLong() > 2 * 4 * NullEngine.DEFAULT_DIM,
                "two images of 64 floats each");
        assertTrue(r.get("throughput").get("target_per_second").isNull(), "a closed loop has no target rate");
        JsonNode w = r.get("worker");
        assertEquals(sent, w.get("count").asLong(), "every measured answer ran in a batch");
        assertTrue(w.get("batch_size").get("min") == null && w.get("batch_size").get("p50").asDouble() >= 2,
                "two rows per request: " + w);
        assertTrue(w.get("end_to_end_ms").get("max").asDouble() > 0, w.toString());
        JsonNode bound = w.get("p99_bound");
        assertEquals(20.0, bound.get("max_wait_ms").asDouble());
        assertEquals(20 + 3 * (w.get("compute_ms").get("p50").asDouble() + w.get("decode_ms").get("p50").asDouble()),
                bound.get("bound_ms").asDouble(), 1e-9);
        assertEquals(r.get("latency").get("p99").asDouble(), bound.get("p99_ms").asDouble());
        assertEquals(bound.get("p99_ms").asDouble() <= bound.get("bound_ms").asDouble(), bound.get("met").asBoolean());
        assertTrue(stdout.contains("\n  p99 bound    20 + 3 x ("), stdout);
        // The baseline's results are smaller unpadded than the worker's of the same width, so --result-bytes reaches
        // the worker's size.
        String id = r.get("run_id").asText() + "-" + sent;
        int natural = new BaselineResults(new EventCodec(), "umbra-baseline-12345", NullEngine.DEFAULT_DIM, 0)
                .encode(PromptRequest.newBuilder().setRequestId(id).setPrompt("p").setNumImages(2)
                        .setCreatedAt(Instant.now()).build(), Instant.now()).value().length;
        assertTrue(natural <= r.get("result_bytes").get("min").asLong(), natural + " vs " + r.get("result_bytes"));
    }
}

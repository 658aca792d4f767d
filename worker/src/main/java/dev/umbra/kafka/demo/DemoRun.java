package dev.umbra.kafka.demo;

import dev.umbra.http.OpsServer;
import dev.umbra.kafka.Decoding;
import dev.umbra.kafka.StreamingWorker;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.WorkerStats;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PromptRequest;
import dev.umbra.worker.EmbeddingEngine;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The demo: an embedded Kafka broker, the embedded default model, a {@link StreamingWorker}, N PromptRequests in and
 * every ImageResult out, written to {@code results.jsonl} and summarised. Progress goes to {@code err} about once a
 * second, the summary to {@code out}.
 */
public final class DemoRun {

    private static final String PROMPTS = WorkerConfig.DEFAULT_PROMPTS_TOPIC;
    private static final String RESULTS = WorkerConfig.DEFAULT_RESULTS_TOPIC;
    private static final String DEAD_LETTERS = WorkerConfig.DEFAULT_DEAD_LETTER_TOPIC;
    private static final int PROMPT_PARTITIONS = 2;
    private static final long PROGRESS_MILLIS = 1000;
    private static final long STOP_TIMEOUT_SECONDS = 60;

    private final DemoOptions options;
    private final PrintWriter out;
    private final PrintWriter err;

    public DemoRun(DemoOptions options, PrintWriter out, PrintWriter err) {
        this.options = options;
        this.out = out;
        this.err = err;
    }

    /** Runs the demo and prints its summary; the report says whether every request was answered in time. */
    public DemoReport run() throws Exception {
        List<String> prompts = options.promptsFile() == null
                ? DemoPrompts.world() : DemoPrompts.fromFile(options.promptsFile());
        Path resultsFile = options.outDir().resolve("results.jsonl");
        err.printf(Locale.ROOT, "[demo] starting an embedded Kafka broker and the default model '%s'%n",
                EmbeddedModels.DEFAULT_MODEL_NAME);
        err.flush();
        WorkerConfig.Builder builder = WorkerConfig.builder("localhost:0")
                .workerId("demo-worker")
                .batchPolicy(options.batchPolicy())
                .latencyTarget(options.latencyTarget());
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
             EclipseModel model = EmbeddedModels.loadDefault(RuntimeOptions.defaults());
             Decoding decoding = Decoding.open(options.decode(), EmbeddedModels.defaultModelDir(),
                     RuntimeOptions.defaults(), builder.build().maxInFlightRows(), model.embeddingDim())) {
            broker.createTopics(Map.of(PROMPTS, PROMPT_PARTITIONS, RESULTS, 1, DEAD_LETTERS, 1));
            WorkerConfig config = builder.bootstrapServers(broker.bootstrapServers()).build();
            decoding.identity().ifPresent(id -> {
                err.printf(Locale.ROOT, "[demo] decoder pool: %d x %s%n", options.decode().decoder().workers(), id);
                err.flush();
            });
            Vertx vertx = Vertx.vertx();
            OpsServer ops = options.http() == null ? null : OpsServer.start(options.http(), config);
            try {
                StreamingWorker worker = StreamingWorker.start(vertx, config, EmbeddingEngine.of(model),
                                decoding.stage())
                        .await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (ops != null) {
                    ops.bind(worker, decoding);
                    err.printf(Locale.ROOT, "[demo] gallery, metrics and health at http://%s:%d/ while the demo runs%n",
                            options.http().host(), ops.port());
                    err.flush();
                }
                try (ResultCollector collector = new ResultCollector(broker.bootstrapServers(), RESULTS, resultsFile)) {
                    DemoReport report = sendAndCollect(broker.bootstrapServers(), prompts, collector, worker,
                            decoding);
                    worker.stop().await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    collector.close();
                    out.print(report.format());
                    out.flush();
                    return report;
                }
            } finally {
                if (ops != null) {
                    ops.close();
                }
                vertx.close().await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    private DemoReport sendAndCollect(String bootstrap, List<String> prompts, ResultCollector collector,
            StreamingWorker worker, Decoding decoding) throws Exception {
        EventCodec codec = new EventCodec();
        String run = Long.toString(System.currentTimeMillis(), 36);
        Map<String, Instant> createdAt = new LinkedHashMap<>();
        long startNanos = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                "bootstrap.servers", bootstrap, "client.id", "umbra-demo-prompts", "acks", "all"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < options.count(); i++) {
                String id = String.format(Locale.ROOT, "demo-%s-%06d", run, i);
                Instant now = Instant.now();
                PromptRequest request = PromptRequest.newBuilder()
                        .setRequestId(id)
                        .setPrompt(prompts.get(i % prompts.size()))
                        .setNumImages(options.imagesPerRequest())
                        // Image j of request i uses seed + j: spacing the seeds keeps requests' noise apart.
                        .setSeed((long) i * options.imagesPerRequest())
                        .setCreatedAt(now)
                        .setMetadata(Map.of("source", "umbra demo"))
                        .build();
                createdAt.put(id, now);
                producer.send(new ProducerRecord<>(PROMPTS, id.getBytes(StandardCharsets.UTF_8), codec.encode(request)));
            }
            producer.flush();
        }
        err.printf(Locale.ROOT, "[demo] sent %d requests; waiting up to %d s for their results%n",
                options.count(), options.timeout().toSeconds());
        err.flush();
        long deadline = startNanos + options.timeout().toNanos();
        long nextProgress = System.nanoTime();
        while (System.nanoTime() - deadline < 0 && !allAnswered(createdAt, collector)) {
            collector.checkHealthy();
            if (System.nanoTime() - nextProgress >= 0) {
                progress(collector, worker, startNanos);
                nextProgress += TimeUnit.MILLISECONDS.toNanos(PROGRESS_MILLIS);
            }
            Thread.sleep(20);
        }
        progress(collector, worker, startNanos);
        return report(createdAt, collector, startNanos, decoding);
    }

    private static boolean allAnswered(Map<String, Instant> createdAt, ResultCollector collector) {
        return collector.firstResults().keySet().containsAll(createdAt.keySet());
    }

    private void progress(ResultCollector collector, StreamingWorker worker, long startNanos) {
        WorkerStats stats = worker.stats();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        int answered = collector.firstResults().size();
        err.printf(Locale.ROOT, "[demo] %5.1f s  %d/%d answered  %.1f/s  worker: %d received, %d rows in flight"
                        + " (bound %d)%s%n", seconds, answered, options.count(), seconds > 0 ? answered / seconds : 0,
                stats.recordsReceived(), stats.inFlightRows(), stats.inFlightBound(),
                stats.fetchPaused() ? " (fetch paused)" : "");
        err.flush();
    }

    private DemoReport report(Map<String, Instant> createdAt, ResultCollector collector, long startNanos,
            Decoding decoding) throws IOException {
        Map<String, ResultCollector.Received> results = new HashMap<>(collector.firstResults());
        results.keySet().retainAll(createdAt.keySet());
        Histogram latency = new Histogram(3);
        Histogram workerLatency = new Histogram(3);
        Instant last = null;
        Map<String, Integer> batchRows = new HashMap<>();
        DemoPictures pictures = new DemoPictures(options.outDir().resolve("images"));
        for (Map.Entry<String, ResultCollector.Received> e : results.entrySet()) {
            ImageResult r = e.getValue().result();
            pictures.add(r);
            Instant received = e.getValue().receivedAt();
            last = last == null || received.isAfter(last) ? received : last;
            latency.recordValue(Math.max(0, micros(Duration.between(createdAt.get(e.getKey()), received))));
            workerLatency.recordValue(Math.max(0, Math.round(r.getTimings().getEndToEndMs() * 1000)));
            if (r.getBatchId() != null) {
                batchRows.put(r.getBatchId(), r.getBatchSize());
            }
        }
        Map<String, Long> byStatus = results.values().stream()
                .collect(Collectors.groupingBy(r -> r.result().getStatus().name(), Collectors.counting()));
        TreeMap<Integer, Long> batchSizes = batchRows.values().stream()
                .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
        List<String> missing = new ArrayList<>();
        createdAt.keySet().forEach(id -> {
            if (!results.containsKey(id)) {
                missing.add(id);
            }
        });
        Instant first = createdAt.values().iterator().next();
        double seconds = last == null ? (System.nanoTime() - startNanos) / 1e9
                : Duration.between(first, last).toNanos() / 1e9;
        return new DemoReport(options.count(), results.size(), collector.events(), byStatus, seconds,
                DemoReport.percentilesMs(latency), DemoReport.percentilesMs(workerLatency), batchSizes, missing,
                options.outDir().resolve("results.jsonl"), pictures.summary(decoding.stats().orElse(null)));
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1000;
    }

}

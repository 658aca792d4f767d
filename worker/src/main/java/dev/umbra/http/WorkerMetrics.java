package dev.umbra.http;

import dev.umbra.decoder.pool.PoolStats;
import dev.umbra.io.ProcessMemory;
import dev.umbra.kafka.AnswerListener;
import dev.umbra.kafka.Decoding;
import dev.umbra.kafka.StreamingWorker;
import dev.umbra.kafka.WorkerStats;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Timings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The worker's metrics, in Prometheus' text format. Counters and gauges read the worker's own counters when scraped
 * (nothing is counted twice); per-answer figures (results by status, stage times, batch sizes) come from
 * {@link AnswerListener}. Every series carries the worker's {@code role}. Names are part of the contract: the
 * dashboards and alerts in {@code deploy/} use them.
 */
public final class WorkerMetrics implements AnswerListener, AutoCloseable {

    /** Stage names of {@code umbra_stage_seconds}, each a field of the result's timings. */
    public static final List<String> STAGES =
            List.of("queue_wait", "batch_wait", "tokenize", "text_encode", "prior", "decode", "publish", "end_to_end");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Map<String, Timer> stageTimers = new LinkedHashMap<>();
    private final DistributionSummary batchRows;
    private final MultiGauge lag;
    // Batch sizes are counted once per batch, not once per request of it: the last batch ids seen.
    private final Map<String, Boolean> recentBatches = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 1024;
        }
    };
    private volatile StreamingWorker worker;
    private volatile Decoding decoding;

    public WorkerMetrics(String role) {
        registry.config().commonTags("role", role);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        Gauge.builder("umbra.process.resident.memory", () -> {
                    OptionalLong rss = ProcessMemory.residentBytes();
                    return rss.isPresent() ? rss.getAsLong() : Double.NaN;
                }).baseUnit("bytes")
                .description("Resident memory of the process: the JVM's and libtorch's native memory together")
                .register(registry);
        for (String stage : STAGES) {
            stageTimers.put(stage, Timer.builder("umbra.stage").tag("stage", stage)
                    .description("Where a request's time went (the result's timings)")
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(2))
                    .register(registry));
        }
        batchRows = DistributionSummary.builder("umbra.batch.rows").baseUnit("rows")
                .description("Rows per inference batch").publishPercentileHistogram()
                .minimumExpectedValue(1.0).maximumExpectedValue(4096.0).register(registry);
        lag = MultiGauge.builder("umbra.consumer.lag").baseUnit("records")
                .description("Records between the consumer's position and the end of each assigned partition")
                .register(registry);
        gauge("umbra.in.flight.rows", "rows", "Rows accepted and not yet answered", s -> s.inFlightRows());
        gauge("umbra.in.flight.bound.rows", "rows", "The in-flight bound now", s -> s.inFlightBound());
        gauge("umbra.fetch.paused", null, "1 while fetching is paused by backpressure", s -> s.fetchPaused() ? 1 : 0);
        gauge("umbra.assigned.partitions", null, "Input partitions held now", s -> s.assignedPartitions());
        gauge("umbra.batcher.queued.rows", "rows", "Rows waiting in the batcher for a batch", s -> s.queuedRows());
        counter("umbra.records.received", "Input records delivered to the worker", WorkerStats::recordsReceived);
        counter("umbra.dead.letters", "Unreadable records sent to the dead-letter topic", WorkerStats::deadLetters);
        counter("umbra.commits", "Successful offset commits", WorkerStats::commits);
        counter("umbra.commit.failures", "Failed offset commits (each retried)", WorkerStats::commitFailures);
        poolGauge("umbra.decoder.pool.utilization", null, "Decoder threads' busy time over their elapsed time",
                PoolStats::utilization);
        poolGauge("umbra.decoder.queue.depth", null, "Images queued or being decoded", p -> p.queuedImages());
        FunctionCounter.builder("umbra.decoder.busy", this, m -> m.pool().map(p -> p.busyMillis() / 1000.0).orElse(0.0))
                .baseUnit("seconds").description("Time decoder threads spent decoding, summed")
                .register(registry);
    }

    /** Reads the worker's counters (and its decoders', if any) from now on; until then they read zero. */
    public void bind(StreamingWorker worker, Decoding decoding) {
        this.decoding = decoding;
        this.worker = worker;
        worker.addAnswerListener(this);
    }

    @Override
    public void published(ImageResult result, boolean handedOn) {
        Counter.builder("umbra.results").description("Answers published, by status")
                .tags("status", result.getStatus().name(), "handed_on", Boolean.toString(handedOn))
                .register(registry).increment();
        Timings t = result.getTimings();
        if (t != null) {
            record("queue_wait", t.getQueueWaitMs());
            record("batch_wait", t.getBatchWaitMs());
            record("tokenize", t.getTokenizeMs());
            record("text_encode", t.getTextEncodeMs());
            record("prior", t.getPriorMs());
            record("decode", t.getDecodeMs());
            record("publish", t.getPublishMs());
            record("end_to_end", t.getEndToEndMs());
        }
        CharSequence batch = result.getBatchId();
        if (batch != null && result.getBatchSize() > 0) {
            boolean first;
            synchronized (recentBatches) {
                first = recentBatches.put(batch.toString(), Boolean.TRUE) == null;
            }
            if (first) {
                batchRows.record(result.getBatchSize());
            }
        }
    }

    /** The metrics now, in Prometheus' text format (0.0.4). */
    public String scrape() {
        StreamingWorker w = worker;
        if (w != null) {
            lag.register(w.consumerLag().entrySet().stream()
                    .map(e -> MultiGauge.Row.of(Tags.of("topic", e.getKey().topic(),
                            "partition", Integer.toString(e.getKey().partition())), e.getValue()))
                    .toList(), true);
        }
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }

    private void record(String stage, double millis) {
        // A stage a request never reached (or that does not run in this role) reads 0: not a measurement.
        if (millis > 0 || stage.equals("end_to_end")) {
            stageTimers.get(stage).record(Math.round(millis * 1000), TimeUnit.MICROSECONDS);
        }
    }

    private Optional<WorkerStats> stats() {
        StreamingWorker w = worker;
        return w == null ? Optional.empty() : Optional.of(w.stats());
    }

    private Optional<PoolStats> pool() {
        Decoding d = decoding;
        return d == null ? Optional.empty() : d.stats();
    }

    private void gauge(String name, String unit, String description, ToDoubleFunction<WorkerStats> read) {
        Gauge.builder(name, this, m -> m.stats().map(read::applyAsDouble).orElse(0.0))
                .baseUnit(unit).description(description).register(registry);
    }

    private void counter(String name, String description, ToDoubleFunction<WorkerStats> read) {
        FunctionCounter.builder(name, this, m -> m.stats().map(read::applyAsDouble).orElse(0.0))
                .description(description).register(registry);
    }

    private void poolGauge(String name, String unit, String description, ToDoubleFunction<PoolStats> read) {
        Gauge.builder(name, this, m -> m.pool().map(read::applyAsDouble).orElse(0.0))
                .baseUnit(unit).description(description).register(registry);
    }
}

package dev.umbra.kafka.demo;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * What a demo run saw.
 *
 * @param requested       requests sent
 * @param answered        distinct requests with a result
 * @param resultEvents    result events read (more than answered if some request was answered twice)
 * @param byStatus        distinct requests per status
 * @param seconds         from the first request sent to the last result received
 * @param latencyMs       client-observed end-to-end latency (created_at to the demo receiving the result): p50, p90,
 *                        p99, p99.9, p99.99, max
 * @param workerLatencyMs the results' own end_to_end_ms (created_at to hand-off to the producer), the same percentiles
 * @param batchSizes      batches per size in rows, over distinct batch ids
 * @param missing         request ids without a result (empty when complete)
 * @param resultsFile     the JSON-lines file written
 * @param pictures        the pictures, decode times, pool figures and diversity
 */
public record DemoReport(
        int requested,
        int answered,
        long resultEvents,
        Map<String, Long> byStatus,
        double seconds,
        List<Double> latencyMs,
        List<Double> workerLatencyMs,
        SortedMap<Integer, Long> batchSizes,
        List<String> missing,
        Path resultsFile,
        DemoPictures.Summary pictures) {

    public DemoReport {
        byStatus = Map.copyOf(byStatus);
        latencyMs = List.copyOf(latencyMs);
        workerLatencyMs = List.copyOf(workerLatencyMs);
        batchSizes = Collections.unmodifiableSortedMap(new TreeMap<>(batchSizes));
        missing = List.copyOf(missing);
    }

    /** Every request has its result. */
    public boolean complete() {
        return missing.isEmpty();
    }

    public double throughputPerSecond() {
        return seconds > 0 ? answered / seconds : 0;
    }

    /**
     * The summary as printed by {@code umbra demo}, laid out as the load tool's ({@code loadtest/}) so that the two
     * read alike: counts, statuses, throughput, then latency percentiles p50 to p99.99 and max in milliseconds.
     */
    public String format() {
        StringBuilder s = new StringBuilder("demo summary").append(System.lineSeparator());
        s.append(String.format(Locale.ROOT, "  requests     sent %d  answered %d  lost %d  duplicates %d%n",
                requested, answered, missing.size(), resultEvents - answered));
        s.append("  by status    ").append(new TreeMap<>(byStatus).entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining("  ")))
                .append(System.lineSeparator());
        s.append(String.format(Locale.ROOT, "  throughput   answered %.1f/s   over %.2f s from the first request to the"
                + " last result%n", throughputPerSecond(), seconds));
        s.append(latencyLine("  latency (ms) ", latencyMs, "from created_at to the result's arrival"));
        s.append(latencyLine("  worker (ms)  ", workerLatencyMs, "the results' end_to_end_ms: to the hand-off"));
        long batches = batchSizes.values().stream().mapToLong(Long::longValue).sum();
        double meanRows = batches == 0 ? 0
                : batchSizes.entrySet().stream().mapToDouble(e -> e.getKey() * (double) e.getValue()).sum() / batches;
        s.append(String.format(Locale.ROOT, "  batches      %d, mean %.1f rows; rows -> batches %s%n",
                batches, meanRows, batchSizes));
        s.append("  results      ").append(resultsFile).append(System.lineSeparator());
        if (pictures.pool() == null) {
            s.append("  pictures     none (no decoder)").append(System.lineSeparator());
        } else {
            s.append(String.format(Locale.ROOT, "  pictures     %d (%d inline, %d stored) in %s%n", pictures.pictures(),
                    pictures.inline(), pictures.stored(), pictures.dir()));
            s.append(latencyLine("  decode (ms)  ", pictures.decodeMs(), "queue + decoder, per request"));
            s.append(String.format(Locale.ROOT, "  decoders     %d worker(s), utilization %.0f%%, %d calls, mean queue"
                            + " wait %.1f ms, queue depth max %d images, %d failed%n", pictures.pool().workers(),
                    100 * pictures.pool().utilization(), pictures.pool().decoderCalls(),
                    pictures.pool().meanWaitMillis(), pictures.pool().maxQueuedImages(), pictures.pool().failedTasks()));
        }
        if (!Double.isNaN(pictures.meanDiversity())) {
            s.append(String.format(Locale.ROOT, "  diversity    mean pairwise cosine distance %.3f between the images"
                    + " of a request, averaged over requests (of %s)%n", pictures.meanDiversity(),
                    String.join(", ", new TreeSet<>(pictures.diversityBasis()))));
        }
        if (!missing.isEmpty()) {
            s.append("  missing      ").append(missing.size()).append(" requests, e.g. ")
                    .append(missing.subList(0, Math.min(5, missing.size()))).append(System.lineSeparator());
        }
        return s.toString();
    }

    /** A histogram of microseconds as milliseconds at p50, p90, p99, p99.9, p99.99 and max; empty when empty. */
    static List<Double> percentilesMs(Histogram h) {
        if (h.getTotalCount() == 0) {
            return List.of();
        }
        return List.of(h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                h.getValueAtPercentile(99.99) / 1000.0, h.getMaxValue() / 1000.0);
    }

    /** p50, p90, p99, p99.9, p99.99 and max, as the load tool prints them. */
    private static String latencyLine(String label, List<Double> p, String what) {
        if (p.isEmpty()) {
            return label + "no answers" + System.lineSeparator();
        }
        return String.format(Locale.ROOT, "%sp50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  p99.99 %.1f  max %.1f   %s%n",
                label, p.get(0), p.get(1), p.get(2), p.get(3), p.get(4), p.get(5), what);
    }
}

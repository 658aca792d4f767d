package dev.umbra.kafka.demo;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a demo run saw.
 *
 * @param requested       requests sent
 * @param answered        distinct requests with a result
 * @param resultEvents    result events read (more than answered if some request was answered twice)
 * @param byStatus        distinct requests per status
 * @param seconds         from the first request sent to the last result received
 * @param latencyMs       client-observed end-to-end latency (created_at to the demo receiving the result): p50, p95,
 *                        p99, max
 * @param workerLatencyMs the results' own end_to_end_ms (created_at to hand-off to the producer): p50, p95, p99, max
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

    /** The summary as printed by {@code umbra demo}. */
    public String format() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "requests:    %d sent, %d answered (%d result events)%n",
                requested, answered, resultEvents));
        s.append("by status:   ").append(new TreeMap<>(byStatus)).append(System.lineSeparator());
        s.append(String.format(Locale.ROOT, "throughput:  %.1f requests/s (%.2f s from first request to last result)%n",
                throughputPerSecond(), seconds));
        s.append(latencyLine("latency:    ", latencyMs, "created_at -> result received"));
        s.append(latencyLine("worker e2e: ", workerLatencyMs, "created_at -> handed to producer"));
        long batches = batchSizes.values().stream().mapToLong(Long::longValue).sum();
        double meanRows = batches == 0 ? 0
                : batchSizes.entrySet().stream().mapToDouble(e -> e.getKey() * (double) e.getValue()).sum() / batches;
        s.append(String.format(Locale.ROOT, "batches:     %d, mean %.1f rows; rows -> batches %s%n",
                batches, meanRows, batchSizes));
        s.append("results:     ").append(resultsFile).append(System.lineSeparator());
        if (pictures.pool() == null) {
            s.append("pictures:    none (no decoder)").append(System.lineSeparator());
        } else {
            s.append(String.format(Locale.ROOT, "pictures:    %d (%d inline, %d stored) in %s%n", pictures.pictures(),
                    pictures.inline(), pictures.stored(), pictures.dir()));
            s.append(latencyLine("decode:     ", pictures.decodeMs(), "queue + decoder, per request"));
            s.append(String.format(Locale.ROOT, "decoders:    %d worker(s), utilization %.0f%%, %d calls, mean queue wait"
                            + " %.1f ms, queue depth max %d images, %d failed%n", pictures.pool().workers(),
                    100 * pictures.pool().utilization(), pictures.pool().decoderCalls(),
                    pictures.pool().meanWaitMillis(), pictures.pool().maxQueuedImages(), pictures.pool().failedTasks()));
        }
        if (!Double.isNaN(pictures.meanDiversity())) {
            s.append(String.format(Locale.ROOT, "diversity:   mean pairwise cosine distance %.3f between the images of"
                    + " a request, averaged over requests (of %s)%n", pictures.meanDiversity(),
                    String.join(", ", new TreeSet<>(pictures.diversityBasis()))));
        }
        if (!missing.isEmpty()) {
            s.append("missing:     ").append(missing.size()).append(" requests, e.g. ")
                    .append(missing.subList(0, Math.min(5, missing.size()))).append(System.lineSeparator());
        }
        return s.toString();
    }

    private static String latencyLine(String label, List<Double> p, String what) {
        if (p.isEmpty()) {
            return label + " n/a" + System.lineSeparator();
        }
        return String.format(Locale.ROOT, "%s p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms (%s)%n",
                label, p.get(0), p.get(1), p.get(2), p.get(3), what);
    }
}

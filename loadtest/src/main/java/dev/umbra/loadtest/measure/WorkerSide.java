package dev.umbra.loadtest.measure;

import org.HdrHistogram.Histogram;

/**
 * Collects the worker's own timings of answers ({@link WorkerTimings}) into histograms: milliseconds held as
 * microseconds with 3 significant digits, as the latencies, and rows as they are. Only answers that ran in a batch
 * count. Not thread-safe: {@link Measurements} calls it under its lock.
 */
final class WorkerSide {

    private static final double MICROS_PER_MS = 1000.0;

    private final Histogram batchWait = new Histogram(3);
    private final Histogram compute = new Histogram(3);
    private final Histogram decode = new Histogram(3);
    private final Histogram publish = new Histogram(3);
    private final Histogram endToEnd = new Histogram(3);
    private final Histogram batchSize = new Histogram(3);
    private long count;

    /** Books one answer's timings; those of a request that never ran in a batch (or none) are left out. */
    void record(WorkerTimings t) {
        if (t == null || !t.ranInBatch()) {
            return;
        }
        count++;
        batchWait.recordValue(micros(t.batchWaitMs()));
        compute.recordValue(micros(t.computeMs()));
        decode.recordValue(micros(t.decodeMs()));
        publish.recordValue(micros(t.publishMs()));
        endToEnd.recordValue(micros(t.endToEndMs()));
        batchSize.recordValue(t.batchSize());
    }

    WorkerSummary summary() {
        if (count == 0) {
            return WorkerSummary.EMPTY;
        }
        return new WorkerSummary(count,
                WorkerSummary.Percentiles.of(batchWait, MICROS_PER_MS),
                WorkerSummary.Percentiles.of(compute, MICROS_PER_MS),
                WorkerSummary.Percentiles.of(decode, MICROS_PER_MS),
                WorkerSummary.Percentiles.of(publish, MICROS_PER_MS),
                WorkerSummary.Percentiles.of(endToEnd, MICROS_PER_MS),
                WorkerSummary.Percentiles.of(batchSize, 1),
                null);
    }

    /**
     * Milliseconds to whole microseconds. A negative time (end_to_end_ms when the worker's clock is behind the load
     * tool's) or one that is not a finite number reads as 0: the histograms hold no negative values.
     */
    private static long micros(double ms) {
        return ms > 0 && Double.isFinite(ms) ? Math.round(ms * MICROS_PER_MS) : 0;
    }
}

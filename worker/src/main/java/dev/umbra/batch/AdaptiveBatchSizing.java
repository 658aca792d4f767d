package dev.umbra.batch;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Batch size and wait chosen from a latency target, the measured compute time per batch size and the backlog.
 *
 * <p>An item's latency is at most the time it waits for its batch to form, plus the batch running ahead of it, plus
 * its own batch. With {@code c(b)} the compute time of a batch of b rows (a line fitted to the batches that ran), the
 * sizing picks the largest b up to the hard maximum with {@code 2 c(b) <= target}, and lets the oldest item wait for
 * the rest of the budget, {@code target - 2 c(b)}, but no longer than the measured arrival rate needs to fill the
 * batch (waiting longer would only add latency). When the backlog alone exceeds that batch, latency is lost to
 * queueing anyway and throughput decides: batches grow to what is queued, up to the hard maximum, without waiting.
 *
 * <p>Before it has measured anything it runs batches of a quarter of the maximum without waiting.
 */
public final class AdaptiveBatchSizing implements BatchSizing {

    private static final double EWMA = 0.2;

    private final long targetNanos;
    private final int maxRows;
    // Per batch size: smoothed compute time (ns), 0 while unseen.
    private final double[] nanosByRows;
    private double arrivalRowsPerNano;
    private long lastArrivalNanos;
    private boolean anyArrival;
    private BatchPolicy last;

    /**
     * @param latencyTarget the latency each item should stay under, wait and compute included
     * @param maxRows       the hard maximum batch size
     */
    public AdaptiveBatchSizing(long latencyTarget, TimeUnit unit, int maxRows) {
        if (latencyTarget <= 0) {
            throw new IllegalArgumentException("the latency target must be positive (got " + latencyTarget + " "
                    + unit.toString().toLowerCase(Locale.ROOT) + ")");
        }
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be at least 1 (got " + maxRows + ")");
        }
        this.targetNanos = unit.toNanos(latencyTarget);
        this.maxRows = maxRows;
        this.nanosByRows = new double[maxRows + 1];
        this.last = new BatchPolicy(Math.max(1, maxRows / 4), 0);
    }

    @Override
    public BatchPolicy policy(int queuedRows) {
        double[] line = fit();
        if (line == null) {
            return last;
        }
        int rows = 1;
        for (int b = maxRows; b >= 1; b--) {
            if (2 * predict(line, b) <= targetNanos) {
                rows = b;
                break;
            }
        }
        long waitNanos = Math.max(0, targetNanos - (long) (2 * predict(line, rows)));
        if (arrivalRowsPerNano > 0) {
            waitNanos = Math.min(waitNanos, (long) (Math.max(0, rows - queuedRows) / arrivalRowsPerNano));
        }
        if (queuedRows > rows) {
            // A backlog: queueing already costs more than batching can save, so run big batches at once.
            rows = Math.min(maxRows, queuedRows);
            waitNanos = 0;
        }
        last = new BatchPolicy(rows, TimeUnit.NANOSECONDS.toMillis(waitNanos));
        return last;
    }

    @Override
    public void observe(int rows, long nanos) {
        if (rows < 1 || nanos <= 0) {
            return;
        }
        int b = Math.min(rows, maxRows);
        nanosByRows[b] = nanosByRows[b] == 0 ? nanos : (1 - EWMA) * nanosByRows[b] + EWMA * nanos;
    }

    @Override
    public void arrived(int rows, long nanoTime) {
        if (anyArrival) {
            long gap = nanoTime - lastArrivalNanos;
            if (gap > 0) {
                double rate = rows / (double) gap;
                arrivalRowsPerNano = arrivalRowsPerNano == 0 ? rate : (1 - EWMA) * arrivalRowsPerNano + EWMA * rate;
            }
        }
        anyArrival = true;
        lastArrivalNanos = nanoTime;
    }

    /** The policy chosen last, for logs and summaries. */
    public BatchPolicy lastPolicy() {
        return last;
    }

    /** The predicted compute time of a batch of {@code rows}, or -1 before anything was measured. */
    public double predictNanos(int rows) {
        double[] line = fit();
        return line == null ? -1 : predict(line, rows);
    }

    /**
     * Least squares of time against rows over the sizes seen, {a, k} with c(b) = a + k b; with one size seen, the
     * line through the origin (pessimistic for larger batches, so the sizing grows them only as it measures them).
     */
    private double[] fit() {
        int n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (int b = 1; b <= maxRows; b++) {
            if (nanosByRows[b] > 0) {
                n++;
                sx += b;
                sy += nanosByRows[b];
                sxx += (double) b * b;
                sxy += b * nanosByRows[b];
            }
        }
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            return new double[] {0, sy / sx};
        }
        double k = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        double a = (sy - k * sx) / n;
        if (k <= 0) {
            // Noise can tilt the line the wrong way: fall back to the mean time per row, through the origin.
            return new double[] {0, sy / sx};
        }
        return new double[] {Math.max(0, a), k};
    }

    private static double predict(double[] line, int rows) {
        return line[0] + line[1] * rows;
    }
}

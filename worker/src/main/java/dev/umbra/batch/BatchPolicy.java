package dev.umbra.batch;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * When a batch runs and what goes into it: a pure function of the queue and the time, with no locks or threads,
 * so that it can be tested with explicit times.
 *
 * <p>A batch runs as soon as the queued rows reach {@code maxBatchRows} (waiting could not make the batch at the head
 * of the queue any larger), or once the oldest queued item has waited {@code maxBatchDelayMillis}. Items are taken in
 * arrival order while their rows fit; an item is never split, and an item heavier than {@code maxBatchRows} runs alone.
 *
 * @param maxBatchRows        the most rows (images) one batch may hold, at least 1
 * @param maxBatchDelayMillis how long the oldest queued item may wait for others to join it, 0 or more
 */
public record BatchPolicy(int maxBatchRows, long maxBatchDelayMillis) {

    public static final int DEFAULT_MAX_BATCH_ROWS = 16;
    public static final long DEFAULT_MAX_BATCH_DELAY_MILLIS = 20;

    public BatchPolicy {
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("maxBatchRows must be at least 1 (got " + maxBatchRows + ")");
        }
        if (maxBatchDelayMillis < 0) {
            throw new IllegalArgumentException("maxBatchDelayMillis must be 0 or more (got " + maxBatchDelayMillis + ")");
        }
    }

    public static BatchPolicy defaults() {
        return new BatchPolicy(DEFAULT_MAX_BATCH_ROWS, DEFAULT_MAX_BATCH_DELAY_MILLIS);
    }

    /** What the batcher's thread should do next. */
    public sealed interface Decision permits RunNow, Wait, Idle {}

    /** Form a batch from the head of the queue and run it. */
    public record RunNow() implements Decision {}

    /** Nothing to run yet: check again after {@code nanos} (or sooner, when an item arrives). */
    public record Wait(long nanos) implements Decision {
        public Wait {
            if (nanos <= 0) {
                throw new IllegalArgumentException("a wait must be positive (got " + nanos + " ns)");
            }
        }
    }

    /** The queue is empty: wait for an item. */
    public record Idle() implements Decision {}

    private static final Decision RUN_NOW = new RunNow();
    private static final Decision IDLE = new Idle();

    /**
     * Decides whether to run a batch now.
     *
     * @param queuedRows         rows of all queued items (0 when the queue is empty)
     * @param oldestArrivalNanos {@link System#nanoTime()} at which the oldest queued item arrived; ignored when empty
     * @param nowNanos           the current {@link System#nanoTime()}
     */
    public Decision decide(int queuedRows, long oldestArrivalNanos, long nowNanos) {
        if (queuedRows < 0) {
            throw new IllegalArgumentException("queuedRows must be 0 or more (got " + queuedRows + ")");
        }
        if (queuedRows == 0) {
            return IDLE;
        }
        if (queuedRows >= maxBatchRows) {
            return RUN_NOW;
        }
        // Differences of nanoTime values, never comparisons of the values themselves: they may wrap.
        long remaining = TimeUnit.MILLISECONDS.toNanos(maxBatchDelayMillis) - (nowNanos - oldestArrivalNanos);
        return remaining <= 0 ? RUN_NOW : new Wait(remaining);
    }

    /**
     * How many items from the head of the queue form the next batch: as many as fit in {@code maxBatchRows}, in order,
     * stopping at the first that does not fit; at least one, so that an item heavier than the maximum runs alone.
     *
     * @param rowsInQueueOrder rows of each queued item, oldest first; must not be empty
     */
    public int batchLength(List<Integer> rowsInQueueOrder) {
        if (rowsInQueueOrder.isEmpty()) {
            throw new IllegalArgumentException("cannot form a batch from an empty queue");
        }
        int rows = rowsInQueueOrder.get(0);
        int count = 1;
        while (count < rowsInQueueOrder.size() && rows + rowsInQueueOrder.get(count) <= maxBatchRows) {
            rows += rowsInQueueOrder.get(count);
            count++;
        }
        return count;
    }
}

package dev.umbra.kafka;

/**
 * Backpressure bookkeeping: rows accepted but not yet answered, with a high mark that pauses fetching and a low mark
 * (half of it) that resumes it. The gap keeps the consumer from flapping between pause and resume on every batch.
 *
 * <p>Not thread-safe: used on the event loop only.
 */
final class InFlightLimit {

    private int maxInFlightRows;
    private int resumeBelowRows;
    private int rows;
    private boolean paused;

    InFlightLimit(int maxInFlightRows) {
        if (maxInFlightRows < 1) {
            throw new IllegalArgumentException("maxInFlightRows must be at least 1 (got " + maxInFlightRows + ")");
        }
        this.maxInFlightRows = maxInFlightRows;
        this.resumeBelowRows = maxInFlightRows / 2;
    }

    /** Moves the bound (the in-flight rows already counted stay); the next acquire or release acts on it. */
    void limit(int maxInFlightRows) {
        if (maxInFlightRows < 1) {
            throw new IllegalArgumentException("maxInFlightRows must be at least 1 (got " + maxInFlightRows + ")");
        }
        this.maxInFlightRows = maxInFlightRows;
        this.resumeBelowRows = maxInFlightRows / 2;
    }

    int limit() {
        return maxInFlightRows;
    }

    /** Counts rows in; true when fetching should pause now (the bound was just reached). */
    boolean acquire(int n) {
        rows += n;
        if (!paused && rows >= maxInFlightRows) {
            paused = true;
            return true;
        }
        return false;
    }

    /** Counts rows out; true when fetching should resume now (drained to the low mark). */
    boolean release(int n) {
        rows -= n;
        if (paused && rows <= resumeBelowRows) {
            paused = false;
            return true;
        }
        return false;
    }

    int rows() {
        return rows;
    }

    boolean paused() {
        return paused;
    }
}

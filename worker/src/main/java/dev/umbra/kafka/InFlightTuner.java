package dev.umbra.kafka;

/**
 * Moves the in-flight bound with the answer rate (Little's law): to keep a worker busy, the rows in flight must cover
 * its answer rate times the time a row spends outside the model (batching, publishing, the broker's acknowledgement).
 * The bound aims at {@code rate x inFlightMillis}: when rows are answered faster than that, more in flight raises the
 * rate and the bound grows with it; when the model is the limit, rows only queue, the rate stays and so does the bound.
 * It moves at most by half or double per step, between its least and most.
 *
 * <p>Not thread-safe: used on the event loop only.
 */
final class InFlightTuner {

    private static final double SMOOTHING = 0.5;

    private final int least;
    private final int most;
    private final double inFlightSeconds;
    private double rowsPerSecond = -1;

    InFlightTuner(int least, int most, long inFlightMillis) {
        if (least < 1 || most < least || inFlightMillis <= 0) {
            throw new IllegalArgumentException("bad in-flight tuning: least " + least + ", most " + most + ", "
                    + inFlightMillis + " ms");
        }
        this.least = least;
        this.most = most;
        this.inFlightSeconds = inFlightMillis / 1000.0;
    }

    /**
     * The next bound.
     *
     * @param current      the bound now
     * @param answeredRows rows answered since the last step
     * @param nanos        time since the last step
     */
    int next(int current, long answeredRows, long nanos) {
        if (nanos <= 0) {
            return current;
        }
        double rate = answeredRows * 1e9 / nanos;
        rowsPerSecond = rowsPerSecond < 0 ? rate : SMOOTHING * rowsPerSecond + (1 - SMOOTHING) * rate;
        long target = Math.round(rowsPerSecond * inFlightSeconds);
        long stepped = Math.max(current / 2, Math.min(2L * current, target));
        return (int) Math.max(least, Math.min(most, stepped));
    }

    /** The smoothed answer rate, rows per second (-1 before the first step). */
    double rowsPerSecond() {
        return rowsPerSecond;
    }
}

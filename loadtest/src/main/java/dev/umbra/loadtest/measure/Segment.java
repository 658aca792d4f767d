package dev.umbra.loadtest.measure;

/**
 * A stretch of the run with one target: the warm-up, a step of a ramp, or the whole measured part of a constant or
 * closed-loop run. Times are offsets from the run's start, in nanoseconds; a request belongs to the segment of its
 * intended send time.
 *
 * @param index       position in the run, from 0
 * @param warmup      whether its requests are left out of the figures
 * @param targetRate  requests per second asked for; NaN for closed loop, which has no target
 * @param startNanos  first instant, inclusive
 * @param endNanos    last instant, exclusive
 */
public record Segment(int index, boolean warmup, double targetRate, long startNanos, long endNanos) {

    public Segment {
        if (endNanos < startNanos) {
            throw new IllegalArgumentException("segment " + index + " ends (" + endNanos + " ns) before it starts ("
                    + startNanos + " ns)");
        }
    }

    /** Length in seconds. */
    public double seconds() {
        return (endNanos - startNanos) / 1e9;
    }

    /** Whether the offset falls in {@code [start, end)}. */
    public boolean contains(long offsetNanos) {
        return offsetNanos >= startNanos && offsetNanos < endNanos;
    }
}

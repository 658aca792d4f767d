package dev.umbra.worker;

import java.time.Duration;

/** Durations as the fractional milliseconds of the Timings event. */
final class Millis {

    private static final double NANOS_PER_MILLI = 1_000_000.0;

    private Millis() {}

    /** From one {@link System#nanoTime()} reading to a later one. */
    static double between(long startNanos, long endNanos) {
        return (endNanos - startNanos) / NANOS_PER_MILLI;
    }

    /** Any duration, however far apart its ends (a created_at centuries off would overflow toNanos). */
    static double of(Duration duration) {
        return duration.getSeconds() * 1000.0 + duration.getNano() / NANOS_PER_MILLI;
    }
}

package dev.umbra.worker;

import java.time.Instant;

/**
 * The worker's two clocks: wall time for timestamps compared with other machines (created_at, deadlines), and a
 * monotonic clock for durations measured inside the worker. Replaceable in tests.
 */
public interface WorkerClock {

    /** Wall-clock time (UTC). */
    Instant now();

    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    static WorkerClock system() {
        return new WorkerClock() {
            @Override
            public Instant now() {
                return Instant.now();
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }
        };
    }
}

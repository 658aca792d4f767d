package dev.umbra.worker;

import java.time.Duration;
import java.time.Instant;

/** A clock the test moves by hand; wall and monotonic time advance together. */
final class ManualClock implements WorkerClock {

    private Instant now;
    private long nanos;

    ManualClock(Instant start) {
        this.now = start;
        this.nanos = 1_000_000_000L;
    }

    void advance(Duration d) {
        now = now.plus(d);
        nanos += d.toNanos();
    }

    @Override
    public Instant now() {
        return now;
    }

    @Override
    public long nanoTime() {
        return nanos;
    }
}

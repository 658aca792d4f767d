package dev.umbra.batch;

import java.util.Objects;

/**
 * One queued item of a batch.
 *
 * @param payload         what was submitted
 * @param rows            its weight in rows (for Umbra: images), at least 1
 * @param enqueuedAtNanos {@link System#nanoTime()} when it was submitted
 */
public record BatchItem<T>(T payload, int rows, long enqueuedAtNanos) {

    public BatchItem {
        Objects.requireNonNull(payload, "payload");
        if (rows < 1) {
            throw new IllegalArgumentException("an item weighs at least 1 row (got " + rows + ")");
        }
    }
}

package dev.umbra.cli;

import dev.umbra.batch.BatchPolicy;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The dynamic batcher's two knobs, shared by {@code run} and {@code demo}. */
final class BatchingMixin {

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + BatchPolicy.DEFAULT_MAX_BATCH_ROWS,
            description = "Most rows (images) per inference batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-wait-ms", paramLabel = "N", defaultValue = "" + BatchPolicy.DEFAULT_MAX_BATCH_DELAY_MILLIS,
            description = "Longest a request waits for others to fill its batch (default: ${DEFAULT-VALUE}).")
    long maxWaitMs;

    @Option(names = "--latency-target-ms", paramLabel = "N",
            description = "Adaptive batching: batch size and wait chosen from the measured compute time per batch size"
                    + " and the backlog, to keep batching plus compute under N ms; --batch-size is then the most it"
                    + " may choose. Default: off (the fixed --batch-size and --max-wait-ms).")
    Long latencyTargetMs;

    /** The adaptive batching target, or null for the fixed policy. */
    Duration latencyTarget() {
        if (latencyTargetMs == null) {
            return null;
        }
        if (latencyTargetMs < 1) {
            throw new IllegalArgumentException("--latency-target-ms must be at least 1 (got " + latencyTargetMs + ")");
        }
        return Duration.ofMillis(latencyTargetMs);
    }

    BatchPolicy toPolicy() {
        return new BatchPolicy(batchSize, maxWaitMs);
    }
}

package dev.umbra.cli;

import dev.umbra.batch.BatchPolicy;
import picocli.CommandLine.Option;

/** The dynamic batcher's two knobs, shared by {@code run} and {@code demo}. */
final class BatchingMixin {

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + BatchPolicy.DEFAULT_MAX_BATCH_ROWS,
            description = "Most rows (images) per inference batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-wait-ms", paramLabel = "N", defaultValue = "" + BatchPolicy.DEFAULT_MAX_BATCH_DELAY_MILLIS,
            description = "Longest a request waits for others to fill its batch (default: ${DEFAULT-VALUE}).")
    long maxWaitMs;

    BatchPolicy toPolicy() {
        return new BatchPolicy(batchSize, maxWaitMs);
    }
}

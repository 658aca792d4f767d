package dev.umbra.batch;

import java.util.List;

/**
 * Runs one batch on the batcher's thread. It may block (this is where inference happens).
 *
 * @param <T> the submitted item type
 * @param <R> the per-item result type
 */
@FunctionalInterface
public interface BatchProcessor<T, R> {

    /**
     * Processes a batch.
     *
     * @return one result per item, in the order of {@link Batch#items()}
     * @throws Exception if the whole batch failed; every item's future then fails with a
     *                   {@link BatchFailedException} carrying it
     */
    List<R> process(Batch<T> batch) throws Exception;

    /**
     * The batch's id in logs: the batcher runs {@link #process} with it as {@code batch_id} in the MDC
     * ({@link dev.umbra.log.LogContext#batch}). By default the batch's sequence number; a processor that names its
     * batches elsewhere (in results, say) returns the same name here, so that logs and results can be joined.
     */
    default String batchId(Batch<T> batch) {
        return Long.toString(batch.sequence());
    }
}

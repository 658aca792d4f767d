package dev.umbra.loadtest.measure;

import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Timings;

/**
 * The worker's own account of one answer, as its ImageResult carries it ({@code timings}, {@code batch_size}): what the
 * worker says it spent, by its clocks, beside the latency the load tool measures by its own.
 *
 * @param batchWaitMs {@code batch_wait_ms}: from the worker receiving the record to its batch starting
 * @param computeMs   {@code tokenize_ms + text_encode_ms + prior_ms}: the prior's compute of the whole batch
 * @param decodeMs    {@code decode_ms}: from handing this request's images to the decoder pool to their pictures
 *                    (queueing at the pool included); 0 without a decoder
 * @param publishMs   {@code publish_ms}: from the end of inference to the result being handed to the producer
 * @param endToEndMs  {@code end_to_end_ms}: from {@code created_at} to the result being handed to the producer
 * @param batchSize   {@code batch_size}: rows (images) in the batch; 0 when the request never ran in one
 */
public record WorkerTimings(double batchWaitMs, double computeMs, double decodeMs, double publishMs,
        double endToEndMs, int batchSize) {

    /** The timings of a result; null when it has none. */
    public static WorkerTimings of(ImageResult result) {
        Timings t = result.getTimings();
        if (t == null) {
            return null;
        }
        return new WorkerTimings(t.getBatchWaitMs(), t.getTokenizeMs() + t.getTextEncodeMs() + t.getPriorMs(),
                t.getDecodeMs(), t.getPublishMs(), t.getEndToEndMs(), result.getBatchSize());
    }

    /** Whether the request ran in an inference batch (a rejected or expired one did not, and has zero timings). */
    public boolean ranInBatch() {
        return batchSize > 0;
    }
}

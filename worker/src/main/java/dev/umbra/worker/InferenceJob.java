package dev.umbra.worker;

import dev.umbra.schemas.PromptRequest;
import java.time.Instant;
import java.util.Objects;

/**
 * An accepted request waiting for its batch.
 *
 * @param request         the decoded, valid request
 * @param seed            the seed of image 0 (the request's, or one drawn for it); image i uses seed + i
 * @param receivedAt      wall time when the worker received the record
 * @param receivedAtNanos monotonic time of the same moment
 */
public record InferenceJob(PromptRequest request, long seed, Instant receivedAt, long receivedAtNanos) {

    public InferenceJob {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    public int numImages() {
        return request.getNumImages();
    }

    public boolean hasNegativePrompt() {
        return request.getNegativePrompt() != null;
    }

    /**
     * Model rows this request adds to a batch: one per image, and one more per image for the negative prompt, which
     * runs through the prior with the same noise as its image. This is the weight the batcher counts.
     */
    public int rows() {
        return hasNegativePrompt() ? 2 * numImages() : numImages();
    }
}

package dev.umbra.worker;

import dev.umbra.decoder.DecodeOptions;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Timings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An assembled result on its way to the producer.
 *
 * <p>Three figures (publish_ms, end_to_end_ms, completed_at) are defined by the moment the result is handed to the
 * producer, so the transport sets them with {@link #handOff} just before it serializes and sends.
 *
 * @param result       the result, complete but for the hand-off figures
 * @param createdAt    the request's created_at, where end_to_end_ms starts
 * @param readyAtNanos monotonic time when inference ended (or the decision not to run was made): publish_ms starts
 *                     here
 * @param negatives    per image, the negative prompt's image embedding (the decoder steers away from it); empty
 *                     without a negative prompt
 * @param options      the request's decoder options
 */
public record Answer(ImageResult result, Instant createdAt, long readyAtNanos, List<float[]> negatives,
                     DecodeOptions options) {

    public Answer {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(createdAt, "createdAt");
        negatives = negatives == null ? List.of() : List.copyOf(negatives);
        options = options == null ? DecodeOptions.DEFAULTS : options;
    }

    /** An answer with nothing for a decoder beyond its embeddings. */
    public Answer(ImageResult result, Instant createdAt, long readyAtNanos) {
        this(result, createdAt, readyAtNanos, List.of(), DecodeOptions.DEFAULTS);
    }

    public String requestId() {
        return result.getRequestId();
    }

    /**
     * Stamps publish_ms, end_to_end_ms and completed_at with the current time and returns the result, ready to encode.
     * Call it once, on the thread that then hands the result to the producer.
     */
    public ImageResult handOff(WorkerClock clock) {
        long nowNanos = clock.nanoTime();
        Instant now = clock.now();
        Timings timings = result.getTimings();
        timings.setPublishMs(Millis.between(readyAtNanos, nowNanos));
        timings.setEndToEndMs(Millis.of(Duration.between(createdAt, now)));
        result.setCompletedAt(now);
        return result;
    }
}

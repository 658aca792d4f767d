package dev.umbra.loadtest.load;

import dev.umbra.loadtest.measure.RequestIds;
import dev.umbra.schemas.PromptRequest;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Builds the run's PromptRequests: id {@code <runId>-<seq>}, the prompts in turn, {@code images} images each, and
 * {@code created_at} the request's intended send time, so that the worker's own end-to-end figure starts where the
 * load tool's does. Thread-safe (immutable).
 *
 * @param ids     the run's request ids
 * @param prompts at least one
 * @param images  num_images of every request, at least 1
 * @param model   the model name the requests ask for, or null for the worker's
 */
public record RequestFactory(RequestIds ids, List<String> prompts, int images, String model) {

    public RequestFactory {
        Objects.requireNonNull(ids, "ids");
        prompts = List.copyOf(prompts);
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("at least one prompt is needed");
        }
        if (images < 1) {
            throw new IllegalArgumentException("images must be at least 1 (got " + images + ")");
        }
    }

    /** The {@code seq}-th request, created at {@code createdAtEpochMillis}. */
    public PromptRequest request(long seq, long createdAtEpochMillis) {
        return PromptRequest.newBuilder()
                .setRequestId(ids.id(seq))
                .setPrompt(prompts.get((int) (seq % prompts.size())))
                .setNumImages(images)
                .setModel(model)
                .setCreatedAt(Instant.ofEpochMilli(createdAtEpochMillis))
                .build();
    }
}

package dev.umbra.worker;

import dev.umbra.schemas.PromptRequest;
import java.util.Objects;
import java.util.Optional;

/** Checks a decoded {@link PromptRequest} against the worker's limits and served model; stateless and thread-safe. */
public final class RequestValidator {

    private final WorkerLimits limits;
    private final String servedModel;

    /**
     * @param servedModel the model name this worker serves; a request naming another is {@link ErrorCode#UNKNOWN_MODEL}
     */
    public RequestValidator(WorkerLimits limits, String servedModel) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.servedModel = Objects.requireNonNull(servedModel, "servedModel");
    }

    /** The first problem found, or empty when the request may run. */
    public Optional<Rejection> validate(PromptRequest request) {
        String prompt = request.getPrompt();
        if (prompt == null || prompt.isBlank()) {
            return reject(ErrorCode.EMPTY_PROMPT, "prompt must not be empty or blank (got "
                    + (prompt == null ? "null" : "'" + prompt + "'") + ")");
        }
        if (prompt.length() > limits.maxPromptChars()) {
            return reject(ErrorCode.PROMPT_TOO_LONG, "prompt has " + prompt.length()
                    + " characters, more than max-prompt-chars " + limits.maxPromptChars());
        }
        String negative = request.getNegativePrompt();
        if (negative != null && negative.length() > limits.maxPromptChars()) {
            return reject(ErrorCode.PROMPT_TOO_LONG, "negative_prompt has " + negative.length()
                    + " characters, more than max-prompt-chars " + limits.maxPromptChars());
        }
        int n = request.getNumImages();
        if (n < 1 || n > limits.maxImagesPerRequest()) {
            return reject(ErrorCode.INVALID_NUM_IMAGES, "num_images must be 1 to max-images-per-request "
                    + limits.maxImagesPerRequest() + " (got " + n + ")");
        }
        String model = request.getModel();
        if (model != null && !model.equals(servedModel)) {
            return reject(ErrorCode.UNKNOWN_MODEL,
                    "model '" + model + "' is not served here; this worker serves '" + servedModel + "'");
        }
        return Optional.empty();
    }

    public WorkerLimits limits() {
        return limits;
    }

    private static Optional<Rejection> reject(ErrorCode code, String message) {
        return Optional.of(new Rejection(code, message));
    }
}

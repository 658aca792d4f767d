package dev.umbra.worker;

/**
 * What a worker accepts.
 *
 * @param maxPromptChars      the longest prompt (and negative prompt), in characters (default
 *                            {@value #DEFAULT_MAX_PROMPT_CHARS})
 * @param maxImagesPerRequest the most images one request may ask for (default
 *                            {@value #DEFAULT_MAX_IMAGES_PER_REQUEST})
 */
public record WorkerLimits(int maxPromptChars, int maxImagesPerRequest) {

    public static final int DEFAULT_MAX_PROMPT_CHARS = 1000;
    public static final int DEFAULT_MAX_IMAGES_PER_REQUEST = 8;

    public WorkerLimits {
        if (maxPromptChars < 1) {
            throw new IllegalArgumentException("maxPromptChars must be at least 1 (got " + maxPromptChars + ")");
        }
        if (maxImagesPerRequest < 1) {
            throw new IllegalArgumentException(
                    "maxImagesPerRequest must be at least 1 (got " + maxImagesPerRequest + ")");
        }
    }

    public static WorkerLimits defaults() {
        return new WorkerLimits(DEFAULT_MAX_PROMPT_CHARS, DEFAULT_MAX_IMAGES_PER_REQUEST);
    }
}

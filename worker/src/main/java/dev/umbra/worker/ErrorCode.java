package dev.umbra.worker;

/** The stable, machine-readable reasons of a non-OK ImageResult ({@code error_code}). */
public enum ErrorCode {
    /** The prompt is empty or blank. */
    EMPTY_PROMPT,
    /** The prompt (or negative prompt) has more characters than the worker's max-prompt-chars. */
    PROMPT_TOO_LONG,
    /** num_images is 0, negative or above the worker's max-images-per-request. */
    INVALID_NUM_IMAGES,
    /** The request names a model this worker does not serve. */
    UNKNOWN_MODEL,
    /** The request's deadline passed before its batch ran. */
    DEADLINE_EXCEEDED,
    /** The model failed on the request's batch. */
    INFERENCE_FAILED,
    /** The decoder failed on the request's images after its retries (or timed out, or the pool was closed). */
    DECODE_FAILED,
    /**
     * The result was larger than the producer or the results topic accepts (e.g. a huge metadata map): it is
     * answered FAILED without images and metadata instead.
     */
    RESULT_TOO_LARGE,
    /** The request's reply_topic does not match the worker's reply-topics pattern: answered on the results topic. */
    REPLY_TOPIC_NOT_ALLOWED,
    /** The request's reply_topic (or partition) does not exist or cannot be written: answered on the results topic. */
    REPLY_TOPIC_UNAVAILABLE
}

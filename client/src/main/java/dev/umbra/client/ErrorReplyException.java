package dev.umbra.client;

import dev.umbra.schemas.ImageResult;

/** The worker answered, and not OK: the answer itself, with its error code and message, is kept. */
public abstract sealed class ErrorReplyException extends UmbraException
        permits RejectedException, ExpiredException, FailedException {

    private final transient ImageResult result;

    ErrorReplyException(ImageResult result) {
        super(result.getRequestId(), "request " + result.getRequestId() + " " + result.getStatus() + " "
                + result.getErrorCode() + ": " + result.getErrorMessage());
        this.result = result;
    }

    /** The worker's answer (status, error code and message, worker id, timings). */
    public ImageResult result() {
        return result;
    }

    /** The stable, machine-readable reason, e.g. EMPTY_PROMPT, DEADLINE_EXCEEDED, DECODE_FAILED. */
    public String errorCode() {
        return result.getErrorCode();
    }

    /** The worker's human-readable explanation. */
    public String errorMessage() {
        return result.getErrorMessage();
    }

    /**
     * The exception for an answer that is not OK, or null for OK. A status this client does not know (a newer
     * worker's) is read as FAILED by the schema's enum default, so every answer maps to something.
     */
    static ErrorReplyException of(ImageResult result) {
        return switch (result.getStatus()) {
            case OK -> null;
            case REJECTED -> new RejectedException(result);
            case EXPIRED -> new ExpiredException(result);
            case FAILED -> new FailedException(result);
        };
    }
}

package dev.umbra.client;

/**
 * Why a request's future failed. The subclasses say which way: the worker answered with an error
 * ({@link RejectedException}, {@link ExpiredException}, {@link FailedException}, all {@link ErrorReplyException}s),
 * no answer came in time ({@link ReplyTimeoutException}), the client could not take the request
 * ({@link TooManyOutstandingException}) or was closed ({@link ClientClosedException}). This class itself is used when
 * the request could not be sent, with Kafka's exception as the cause.
 */
public class UmbraException extends RuntimeException {

    private final String requestId;

    public UmbraException(String requestId, String message, Throwable cause) {
        super(message, cause);
        this.requestId = requestId;
    }

    public UmbraException(String requestId, String message) {
        this(requestId, message, null);
    }

    /** The request this is about; null when the request never got one (e.g. no slot was free). */
    public String requestId() {
        return requestId;
    }
}

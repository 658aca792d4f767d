package dev.umbra.client;

import java.time.Duration;

/**
 * Backpressure: the client had {@code maxOutstanding} requests waiting for answers and none finished within
 * {@code maxBlock}, so this request was not sent.
 */
public final class TooManyOutstandingException extends UmbraException {

    public TooManyOutstandingException(String requestId, int maxOutstanding, Duration waited) {
        super(requestId, "request " + requestId + " not sent: " + maxOutstanding + " requests outstanding and none"
                + " finished within " + waited.toMillis() + " ms");
    }
}

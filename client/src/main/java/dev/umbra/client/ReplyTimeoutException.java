package dev.umbra.client;

import java.time.Duration;

/**
 * No answer within the request's timeout. The worker may still answer later (the reply is then ignored and counted
 * as late). If every request times out, the answers are probably going elsewhere: look for them on the worker's
 * results topic, where a reply topic the worker's {@code --reply-topics} does not allow gets REJECTED
 * REPLY_TOPIC_NOT_ALLOWED and one it cannot write gets FAILED REPLY_TOPIC_UNAVAILABLE; or no worker reads the prompts
 * topic.
 */
public final class ReplyTimeoutException extends UmbraException {

    private final Duration timeout;

    public ReplyTimeoutException(String requestId, Duration timeout) {
        super(requestId, "no reply to request " + requestId + " within " + timeout.toMillis() + " ms");
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }
}

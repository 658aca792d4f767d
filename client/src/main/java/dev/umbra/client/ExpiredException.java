package dev.umbra.client;

import dev.umbra.schemas.ImageResult;

/** EXPIRED: the request's deadline had passed when the worker came to it (DEADLINE_EXCEEDED); it was not run. */
public final class ExpiredException extends ErrorReplyException {
    public ExpiredException(ImageResult result) {
        super(result);
    }
}

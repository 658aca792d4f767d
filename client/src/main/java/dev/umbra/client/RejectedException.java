package dev.umbra.client;

import dev.umbra.schemas.ImageResult;

/**
 * REJECTED: the request was readable but invalid (EMPTY_PROMPT, PROMPT_TOO_LONG, INVALID_NUM_IMAGES,
 * UNKNOWN_MODEL...) and was not run. Sending it again unchanged gets the same answer.
 */
public final class RejectedException extends ErrorReplyException {
    public RejectedException(ImageResult result) {
        super(result);
    }
}

package dev.umbra.client;

import dev.umbra.schemas.ImageResult;

/** FAILED: the request was valid but the worker could not complete it (INFERENCE_FAILED, DECODE_FAILED...). */
public final class FailedException extends ErrorReplyException {
    public FailedException(ImageResult result) {
        super(result);
    }
}

package dev.umbra.decoder.pool;

/** A task's images could not be decoded after the allowed attempts; the message says why. */
public final class DecodeFailedException extends RuntimeException {

    public DecodeFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}

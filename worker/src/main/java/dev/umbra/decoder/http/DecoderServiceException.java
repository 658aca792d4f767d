package dev.umbra.decoder.http;

/** The decoder service failed, refused, timed out, or its breaker is open; the message says which. */
public final class DecoderServiceException extends RuntimeException {

    public DecoderServiceException(String message, Throwable cause) {
        super(message, cause);
    }
}

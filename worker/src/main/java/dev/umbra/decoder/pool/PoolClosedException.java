package dev.umbra.decoder.pool;

/** The pool closed before the task was submitted or decoded. */
public final class PoolClosedException extends RuntimeException {

    public PoolClosedException(String message) {
        super(message);
    }
}

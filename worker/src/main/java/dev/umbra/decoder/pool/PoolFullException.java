package dev.umbra.decoder.pool;

/** A task was refused: the pool's queue is at its hard capacity. Callers that pause on saturation never see it. */
public final class PoolFullException extends RuntimeException {

    public PoolFullException(String message) {
        super(message);
    }
}

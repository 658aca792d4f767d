package dev.umbra.batch;

/** An item was submitted to a closed batcher, or was still queued when the batcher was shut down without draining. */
public class BatcherClosedException extends IllegalStateException {

    public BatcherClosedException(String message) {
        super(message);
    }
}

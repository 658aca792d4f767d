package dev.umbra.batch;

/** The {@link BatchProcessor} threw, or did not return one result per item, for the batch an item was in. */
public class BatchFailedException extends RuntimeException {

    private final long batchSequence;

    public BatchFailedException(long batchSequence, String message, Throwable cause) {
        super(message, cause);
        this.batchSequence = batchSequence;
    }

    /** The {@link Batch#sequence()} of the failed batch. */
    public long batchSequence() {
        return batchSequence;
    }
}

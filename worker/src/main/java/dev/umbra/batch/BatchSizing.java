package dev.umbra.batch;

/**
 * Chooses the {@link BatchPolicy} of each next batch and learns from the batches that ran. Called on the batcher's
 * thread only.
 */
public interface BatchSizing {

    /** The policy to decide the next batch by, given the rows queued now (the backlog the batcher sees). */
    BatchPolicy policy(int queuedRows);

    /** A batch of {@code rows} took {@code nanos} to process. */
    default void observe(int rows, long nanos) {}

    /** Items of {@code rows} arrived at {@code nanoTime}: what arrival-rate estimates learn from. */
    default void arrived(int rows, long nanoTime) {}

    /** The same policy every time. */
    static BatchSizing fixed(BatchPolicy policy) {
        java.util.Objects.requireNonNull(policy, "policy");
        return queuedRows -> policy;
    }
}

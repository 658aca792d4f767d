package dev.umbra.kafka;

/**
 * A snapshot of a running worker's counters.
 *
 * @param recordsReceived  prompt records delivered to the worker
 * @param deadLetters      dead letters acknowledged by the broker
 * @param resultsPublished results acknowledged by the broker (any status)
 * @param inFlightRows     rows accepted and not yet answered
 * @param fetchPaused      whether fetching is paused by backpressure
 * @param decodePaused     whether that is (also) because the decoder pool is saturated
 * @param commits          successful offset commits
 * @param commitFailures   offset commits that failed (each is retried with the next answer)
 * @param inFlightBound    the in-flight bound now (it follows the answer rate unless fixed)
 * @param assignedPartitions partitions of the input topic this worker holds now
 * @param queuedRows       rows waiting in the batcher for a batch to run them
 */
public record WorkerStats(
        long recordsReceived, long deadLetters, long resultsPublished, int inFlightRows, boolean fetchPaused,
        boolean decodePaused, long commits, long commitFailures, int inFlightBound,
        int assignedPartitions, int queuedRows) {}

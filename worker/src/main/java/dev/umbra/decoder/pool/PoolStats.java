package dev.umbra.decoder.pool;

/**
 * What a decoder pool has done since it started.
 *
 * @param workers         decoder threads
 * @param queuedImages    images queued or being decoded now
 * @param maxQueuedImages the most there ever were
 * @param decodedImages   images decoded
 * @param decoderCalls    decoder calls (a call decodes a batch)
 * @param failedTasks     tasks that failed for good
 * @param meanWaitMillis  mean time a task waited in the queue before a worker took it
 * @param busyMillis      time the workers spent in decoder calls, summed
 * @param utilization     busy time over the workers' elapsed time, in [0, 1]
 */
public record PoolStats(int workers, int queuedImages, int maxQueuedImages, long decodedImages, long decoderCalls,
                        long failedTasks, double meanWaitMillis, double busyMillis, double utilization) {}

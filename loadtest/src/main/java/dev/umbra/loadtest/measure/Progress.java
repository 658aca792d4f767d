package dev.umbra.loadtest.measure;

/**
 * A snapshot for the progress line.
 *
 * @param elapsedSeconds  since the run's start
 * @param phase           as in {@link TimelineRow#phase()}
 * @param sent            requests sent so far (warm-up included)
 * @param answered        first answers so far (warm-up included)
 * @param outstanding     sent and not yet answered
 * @param dropped         left unsent by the outstanding guard
 * @param answeredPerSecond answers in the last whole second
 * @param p50Ms           median latency so far (of the measured part once it has answers, else of the warm-up)
 * @param p99Ms           99th percentile, likewise
 */
public record Progress(double elapsedSeconds, String phase, long sent, long answered, long outstanding,
        long dropped, double answeredPerSecond, double p50Ms, double p99Ms) {
}

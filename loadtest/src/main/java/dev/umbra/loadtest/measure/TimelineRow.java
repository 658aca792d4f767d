package dev.umbra.loadtest.measure;

/**
 * One second of the run (the last row may be shorter: {@code spanSeconds}). Counts are events in that second by the
 * clock of this process; latencies are those of the results that arrived in it, measured from their intended send
 * time.
 *
 * @param second      seconds since the run's start (row covers {@code [second, second + spanSeconds)})
 * @param phase       {@code warmup}, {@code load} (the measured sending), or {@code drain} (waiting for the last answers)
 * @param targetRate  the rate asked for at that moment; NaN when there is none (closed loop, drain)
 * @param outstanding requests sent and not yet answered (or failed, or lost) at the row's end
 */
public record TimelineRow(
        long second,
        String phase,
        double spanSeconds,
        double targetRate,
        long sent,
        long answered,
        long dropped,
        long sendErrors,
        long outstanding,
        double p50Ms,
        double p99Ms,
        double maxMs) {

    /** Answers per second in this row. */
    public double answeredPerSecond() {
        return spanSeconds > 0 ? answered / spanSeconds : 0;
    }

    /** Sends per second in this row. */
    public double sentPerSecond() {
        return spanSeconds > 0 ? sent / spanSeconds : 0;
    }
}

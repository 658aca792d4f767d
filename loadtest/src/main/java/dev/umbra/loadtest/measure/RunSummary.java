package dev.umbra.loadtest.measure;

import java.util.List;
import java.util.Map;

/**
 * Every figure of a finished run. "Measured" leaves out the requests whose intended send time fell in the warm-up;
 * latencies are from the intended send time (the request's {@code created_at}) to the result's arrival, and the
 * uncorrected ones from the moment the request was actually handed to the producer, shown only to make coordinated
 * omission visible.
 *
 * @param runId              the prefix of every request id of the run
 * @param measured           counts of the measured requests
 * @param warmup             counts of the warm-up's requests
 * @param latency            measured latencies from the intended send time
 * @param latencyUncorrected the same from the actual send: what a tool with coordinated omission would report
 * @param byStatus           first answers of measured requests by status (every status listed)
 * @param errorCodes         first answers of measured requests by error_code (non-OK answers only)
 * @param foreignResults     results whose request id is not of this run (earlier runs, other clients)
 * @param undecodableResults values on the results topic that are not ImageResults
 * @param maxOutstanding     the most requests sent and unanswered at any moment
 * @param throughput         rates of the measured part
 * @param resultBytes        encoded size of the first answers' values
 * @param worker             the worker's own timings carried by the measured first answers (not the tool's
 *                           measurement); null in reports of versions before it
 * @param segments           the warm-up and each step, with their own counts and latencies
 * @param timeline           per-second rows from the start to the end of the drain
 * @param seconds            how long each part lasted
 */
public record RunSummary(
        String runId,
        Counts measured,
        Counts warmup,
        LatencySummary latency,
        LatencySummary latencyUncorrected,
        Map<String, Long> byStatus,
        Map<String, Long> errorCodes,
        long foreignResults,
        long undecodableResults,
        long maxOutstanding,
        Throughput throughput,
        ByteSummary resultBytes,
        WorkerSummary worker,
        List<SegmentSummary> segments,
        List<TimelineRow> timeline,
        Durations seconds) {

    /** The same run with these worker figures (e.g. with a p99 bound added). */
    public RunSummary withWorker(WorkerSummary w) {
        return new RunSummary(runId, measured, warmup, latency, latencyUncorrected, byStatus, errorCodes,
                foreignResults, undecodableResults, maxOutstanding, throughput, resultBytes, w, segments, timeline,
                seconds);
    }

    /**
     * @param targetPerSecond   the mean rate asked for over the measured steps; NaN for closed loop
     * @param sentPerSecond     measured sends over the measured sending time
     * @param answeredPerSecond measured answers from the end of the warm-up to the last measured answer
     */
    public record Throughput(double targetPerSecond, double sentPerSecond, double answeredPerSecond) {
    }

    /** Sizes in bytes; zeros when nothing was answered. */
    public record ByteSummary(long count, long min, double mean, long max) {
    }

    /**
     * One segment's figures. Counts and latency are those of the requests due in the segment (wherever their answers
     * came); the rates are per second of the segment's own time.
     *
     * @param sentPerSecond     the segment's requests sent, over its length
     * @param answeredPerSecond first answers that arrived while the segment ran (to its requests or earlier ones),
     *                          over its length: the throughput the system gave at that load
     */
    public record SegmentSummary(int index, boolean warmup, double targetRate, double startSecond, double endSecond,
            Counts counts, double sentPerSecond, double answeredPerSecond, LatencySummary latency) {
    }

    /**
     * @param warmup the warm-up
     * @param load   the measured sending
     * @param drain  from the last send to the end (waiting for answers, then for stray duplicates)
     * @param total  the whole run
     */
    public record Durations(double warmup, double load, double drain, double total) {
    }
}

package dev.umbra.loadtest.report;

import dev.umbra.loadtest.measure.Counts;
import dev.umbra.loadtest.measure.LatencySummary;
import dev.umbra.loadtest.measure.RunSummary;
import dev.umbra.loadtest.measure.RunSummary.SegmentSummary;
import dev.umbra.loadtest.measure.TimelineRow;
import dev.umbra.loadtest.measure.WorkerSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small report.json files written by the tool's own writer, so that tests read exactly the format runs write. */
public final class SyntheticReports {

    public static final double STEP_SECONDS = 10;

    /** Worker timings of 10 answers without a decoder, with a bound that was met. */
    public static final WorkerSummary WORKER = new WorkerSummary(10,
            new WorkerSummary.Percentiles(5, 9, 19.5, 20), new WorkerSummary.Percentiles(30, 31, 40, 41),
            new WorkerSummary.Percentiles(0, 0, 0, 0),
            new WorkerSummary.Percentiles(0.1, 0.2, 0.3, 0.4), new WorkerSummary.Percentiles(50, 60, 70, 80),
            new WorkerSummary.Percentiles(16, 16, 16, 16), WorkerSummary.P99Bound.of(20, 30, 0, 4));

    private SyntheticReports() {}

    /**
     * A step of {@link #STEP_SECONDS} at a target rate, sent on time.
     *
     * @param p99Ms NaN for a step none of whose requests was answered
     */
    public static SegmentSummary step(double targetRate, double answeredPerSecond, double p50Ms, double p99Ms,
            double maxMs, long lost) {
        long sent = Math.round(targetRate * STEP_SECONDS);
        long answered = sent - lost;
        LatencySummary latency = Double.isNaN(p99Ms) ? LatencySummary.EMPTY
                : new LatencySummary(answered, p50Ms, p50Ms, p99Ms, p99Ms, maxMs, maxMs, maxMs);
        return new SegmentSummary(0, false, targetRate, 0, STEP_SECONDS, new Counts(sent, answered, lost, 0, 0, 0, 0),
                targetRate, answeredPerSecond, latency);
    }

    /** An open-loop ramp of these steps after a 5 s warm-up at the first rate, written to dir/report.json. */
    public static Path openLoop(Path dir, SegmentSummary... steps) throws IOException {
        List<SegmentSummary> segments = new ArrayList<>();
        segments.add(new SegmentSummary(0, true, steps.length == 0 ? 1 : steps[0].targetRate(), 0, 5,
                new Counts(5, 5, 0, 0, 0, 0, 0), 1, 1, new LatencySummary(5, 1, 1, 1, 1, 1, 1, 1)));
        double start = 5;
        List<Double> rates = new ArrayList<>();
        for (SegmentSummary s : steps) {
            segments.add(new SegmentSummary(segments.size(), false, s.targetRate(), start, start + STEP_SECONDS,
                    s.counts(), s.sentPerSecond(), s.answeredPerSecond(), s.latency()));
            rates.add(s.targetRate());
            start += STEP_SECONDS;
        }
        return write(dir, settings("open", "constant", rates, 0), summary(segments, Double.NaN));
    }

    /** A closed loop of 4 outstanding: one measured segment without a target rate. */
    public static Path closedLoop(Path dir) throws IOException {
        SegmentSummary all = new SegmentSummary(0, false, Double.NaN, 0, 30, new Counts(300, 300, 0, 0, 0, 0, 0), 10,
                10, new LatencySummary(300, 5, 4, 8, 9, 10, 10, 11));
        return write(dir, settings("closed", null, List.of(), 4), summary(List.of(all), Double.NaN));
    }

    public static RunSettings settings(String mode, String arrivals, List<Double> rates, int concurrency) {
        return new RunSettings(mode, arrivals, rates, rates.isEmpty() ? 0 : STEP_SECONDS, concurrency,
                rates.isEmpty() ? 30 : rates.size() * STEP_SECONDS, 5, 10, 100000, 1, "shapes-world", null, 42,
                "127.0.0.1:1", "umbra.prompts", "umbra.results", false);
    }

    public static RunSummary summary(List<SegmentSummary> segments, double targetPerSecond) {
        Map<String, Long> byStatus = new LinkedHashMap<>();
        byStatus.put("OK", 10L);
        byStatus.put("REJECTED", 0L);
        return new RunSummary("lt-test", new Counts(10, 10, 0, 0, 0, 0, 0), Counts.ZERO,
                new LatencySummary(10, 2, 1, 3, 4, 5, 5, 5), new LatencySummary(10, 2, 1, 3, 4, 5, 5, 5), byStatus,
                Map.of(), 0, 0, 7, new RunSummary.Throughput(targetPerSecond, 1, 1),
                new RunSummary.ByteSummary(10, 700, 704.5, 705), WORKER, segments,
                List.of(new TimelineRow(0, "load", 1, Double.NaN, 10, 10, 0, 0, 0, 1.5, 3, Double.NaN)),
                new RunSummary.Durations(5, 20, 1.5, 26.5));
    }

    public static Path write(Path dir, RunSettings settings, RunSummary summary) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("report.json");
        JsonReport.write(new Report("umbra-loadtest (test)", "2026-12-01T05:00:00Z", settings, summary), file);
        return file;
    }
}

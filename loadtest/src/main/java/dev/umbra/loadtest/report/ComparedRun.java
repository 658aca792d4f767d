package dev.umbra.loadtest.report;

import dev.umbra.loadtest.measure.RunSummary.SegmentSummary;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalDouble;

/**
 * One run's steps, read back from its report.json to be set beside other runs': the measured segments of an open
 * loop, each with its target rate, the rates it got and the latency of its requests. A run at one {@code --rate} is a
 * run of one step.
 *
 * @param label  the name the run goes by in the comparison
 * @param report the report.json it was read from
 * @param steps  the measured segments in the order they ran, every one with a target rate
 */
public record ComparedRun(String label, Path report, List<SegmentSummary> steps) {

    /** A step kept up when at least this share of its target rate was answered while it ran, and nothing was lost. */
    public static final double KEPT_UP_SHARE = 0.95;

    public ComparedRun {
        steps = List.copyOf(steps);
        if (steps.isEmpty()) {
            throw new IllegalArgumentException(label + ": " + report + " has no measured steps");
        }
    }

    /**
     * The measured open-loop steps of a report.
     *
     * @throws IllegalArgumentException when it has none: a closed loop (no target rate to set it on), or a run stopped
     *                                  during its warm-up
     */
    public static ComparedRun of(String label, Path file, Report report) {
        if ("closed".equals(report.settings().mode())) {
            throw new IllegalArgumentException(label + ": " + file + " is a closed-loop run: it has no target rates"
                    + " to compare on (compare open-loop runs: --rate or --ramp)");
        }
        List<SegmentSummary> segments = report.results().segments();
        List<SegmentSummary> steps = segments == null ? List.of() : segments.stream()
                .filter(s -> !s.warmup() && s.targetRate() > 0)
                .toList();
        if (steps.isEmpty()) {
            throw new IllegalArgumentException(label + ": " + file + " has no measured steps (segments)");
        }
        return new ComparedRun(label, file, steps);
    }

    /** Every target rate of the runs, once, lowest first. */
    public static double[] rates(List<ComparedRun> runs) {
        return runs.stream().flatMap(r -> r.steps().stream()).mapToDouble(SegmentSummary::targetRate).distinct()
                .sorted().toArray();
    }

    /** Whether a step kept up: {@link #KEPT_UP_SHARE} of its target answered while it ran, nothing lost. */
    public static boolean keptUp(SegmentSummary step) {
        return step.answeredPerSecond() >= KEPT_UP_SHARE * step.targetRate() && step.counts().lost() == 0;
    }

    /** The steps by target rate, lowest first (steps of one rate in the order they ran). */
    public List<SegmentSummary> byRate() {
        return steps.stream().sorted(Comparator.comparingDouble(SegmentSummary::targetRate)).toList();
    }

    /** The highest target rate up to which every step kept up; empty when the lowest did not. */
    public OptionalDouble keptUpTo() {
        OptionalDouble best = OptionalDouble.empty();
        for (SegmentSummary step : byRate()) {
            if (!keptUp(step)) {
                break;
            }
            best = OptionalDouble.of(step.targetRate());
        }
        return best;
    }

    /** The step that answered the most per second (the first of equals). */
    public SegmentSummary peak() {
        return steps.stream().max(Comparator.comparingDouble(SegmentSummary::answeredPerSecond)).orElseThrow();
    }
}

package dev.umbra.loadtest.report;

import dev.umbra.loadtest.measure.Counts;
import dev.umbra.loadtest.measure.LatencySummary;
import dev.umbra.loadtest.measure.Progress;
import dev.umbra.loadtest.measure.RunSummary;
import dev.umbra.loadtest.measure.WorkerSummary;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/** The terminal's view of a run: a progress line while it runs and a summary at the end. */
public final class TerminalReport {

    private TerminalReport() {}

    /** One line: elapsed time and phase, counts so far, the last second's answer rate, p50/p99 so far. */
    public static String progressLine(Progress p) {
        return String.format(Locale.ROOT,
                "[%6.1f s %-6s] sent %d  answered %d  outstanding %d%s  rate %.0f/s  p50 %s  p99 %s",
                p.elapsedSeconds(), p.phase(), p.sent(), p.answered(), p.outstanding(),
                p.dropped() > 0 ? "  dropped " + p.dropped() : "", p.answeredPerSecond(), ms(p.p50Ms()),
                ms(p.p99Ms()));
    }

    /** The summary: counts, statuses, throughput, corrected and uncorrected percentiles, steps, sizes. */
    public static void summary(PrintWriter out, String heading, RunSummary s) {
        out.println(heading);
        Counts m = s.measured();
        out.printf(Locale.ROOT, "  requests     sent %d  answered %d  lost %d  duplicates %d  dropped %d"
                + "  send errors %d%s%n", m.sent(), m.answered(), m.lost(), m.duplicates(), m.dropped(),
                m.sendErrors(), m.late() > 0 ? "  late " + m.late() : "");
        Counts w = s.warmup();
        if (w.sent() + w.dropped() > 0) {
            out.printf(Locale.ROOT, "  warm-up      sent %d  answered %d  lost %d  duplicates %d (not in the figures)%n",
                    w.sent(), w.answered(), w.lost(), w.duplicates());
        }
        out.println("  by status    " + s.byStatus().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining("  "))
                + (s.errorCodes().isEmpty() ? "" : "  (" + codes(s.errorCodes()) + ")"));
        RunSummary.Throughput t = s.throughput();
        out.printf(Locale.ROOT, "  throughput   %ssent %.1f/s  answered %.1f/s  max outstanding %d%n",
                Double.isNaN(t.targetPerSecond()) ? "" : String.format(Locale.ROOT, "target %.1f/s  ",
                        t.targetPerSecond()), t.sentPerSecond(), t.answeredPerSecond(), s.maxOutstanding());
        out.println("  latency (ms) " + percentiles(s.latency()) + "   from the intended send time");
        out.println("  uncorrected  " + percentiles(s.latencyUncorrected())
                + "   from the actual send (coordinated omission)");
        long steps = s.segments().stream().filter(seg -> !seg.warmup()).count();
        if (steps > 1) {
            out.println("  steps        target/s   sent/s  answered/s      p50      p99      max  lost");
            for (RunSummary.SegmentSummary seg : s.segments()) {
                if (!seg.warmup()) {
                    out.printf(Locale.ROOT, "               %8.1f %8.1f %11.1f %8s %8s %8s  %d%n", seg.targetRate(),
                            seg.sentPerSecond(), seg.answeredPerSecond(), num(seg.latency().p50()),
                            num(seg.latency().p99()), num(seg.latency().max()), seg.counts().lost());
                }
            }
        }
        worker(out, s);
        RunSummary.ByteSummary b = s.resultBytes();
        if (b.count() > 0) {
            out.printf(Locale.ROOT, "  result size  min %d  mean %.0f  max %d bytes%n", b.min(), b.mean(), b.max());
        }
        if (s.foreignResults() + s.undecodableResults() > 0) {
            out.printf(Locale.ROOT, "  ignored      %d results of other runs, %d values that are not ImageResults%n",
                    s.foreignResults(), s.undecodableResults());
        }
        out.flush();
    }

    /**
     * The worker's own timings (from the results, not measured here), and the p99 bound when one was asked for.
     * Nothing for a report without them (older versions).
     */
    private static void worker(PrintWriter out, RunSummary s) {
        WorkerSummary w = s.worker();
        if (w == null) {
            return;
        }
        if (w.count() == 0) {
            out.println("  worker       no answer carried a batch's timings");
            return;
        }
        out.printf(Locale.ROOT, "  worker (ms)  batch wait %s  compute %s  decode %s  publish %s%n",
                p50p99(w.batchWaitMs()), p50p99(w.computeMs()), p50p99(w.decodeMs()), p50p99(w.publishMs()));
        WorkerSummary.Percentiles rows = w.batchSize();
        out.printf(Locale.ROOT, "  worker       end to end %s ms  batch rows p50 %.0f  p99 %.0f  max %.0f"
                + "   the results' own timings (%d answers; compute = tokenize + text encode + prior of the batch)%n",
                p50p99(w.endToEndMs()), rows.p50(), rows.p99(), rows.max(), w.count());
        WorkerSummary.P99Bound bound = w.p99Bound();
        if (bound != null) {
            out.printf(Locale.ROOT, "  p99 bound    %s (--max-wait-ms + 3 x (worker p50 compute + p50 decode)):"
                    + " p99 %s ms from the intended send time, %s%n", bound.formula(), num(bound.p99Ms()),
                    bound.met() ? "within it" : "ABOVE it");
        }
    }

    private static String p50p99(WorkerSummary.Percentiles p) {
        return "p50 " + num(p.p50()) + " p99 " + num(p.p99());
    }

    /**
     * Runs side by side, step by step: for each target rate (lowest first), each run's rates, latency and losses at
     * it; then, per run, the highest rate it kept up to ({@link ComparedRun#keptUp}) and its peak answer rate.
     */
    public static void comparison(PrintWriter out, List<ComparedRun> runs) {
        int w = Math.max(8, runs.stream().mapToInt(r -> r.label().length()).max().orElse(0));
        String row = "  %8s  %-" + w + "s %8s %11s %8s %8s %8s  %s%n";
        out.printf(Locale.ROOT, row, "target/s", "run", "sent/s", "answered/s", "p50", "p99", "max", "lost");
        for (double rate : ComparedRun.rates(runs)) {
            boolean first = true;
            for (ComparedRun run : runs) {
                for (RunSummary.SegmentSummary step : run.byRate()) {
                    if (step.targetRate() != rate) {
                        continue;
                    }
                    LatencySummary l = step.latency();
                    boolean answered = l.count() > 0;
                    out.printf(Locale.ROOT, row, first ? String.format(Locale.ROOT, "%.1f", rate) : "", run.label(),
                            String.format(Locale.ROOT, "%.1f", step.sentPerSecond()),
                            String.format(Locale.ROOT, "%.1f", step.answeredPerSecond()),
                            answered ? num(l.p50()) : "-", answered ? num(l.p99()) : "-",
                            answered ? num(l.max()) : "-", step.counts().lost());
                    first = false;
                }
            }
        }
        String perRun = "  %-" + w + "s %12s %16s %12s%n";
        out.printf(Locale.ROOT, perRun, "run", "kept up to/s", "peak answered/s", "at target/s");
        for (ComparedRun run : runs) {
            OptionalDouble kept = run.keptUpTo();
            RunSummary.SegmentSummary peak = run.peak();
            out.printf(Locale.ROOT, perRun, run.label(),
                    kept.isPresent() ? String.format(Locale.ROOT, "%.1f", kept.getAsDouble()) : "none",
                    String.format(Locale.ROOT, "%.1f", peak.answeredPerSecond()),
                    String.format(Locale.ROOT, "%.1f", peak.targetRate()));
        }
        out.printf(Locale.ROOT, "  (kept up: %.0f%%+ of the target answered while the step ran, nothing lost;"
                + " \"kept up to\": every step up to that rate did)%n",
                ComparedRun.KEPT_UP_SHARE * 100);
        out.flush();
    }

    private static String percentiles(LatencySummary l) {
        if (l.count() == 0) {
            return "no answers";
        }
        return String.format(Locale.ROOT, "p50 %s  p90 %s  p99 %s  p99.9 %s  p99.99 %s  max %s", num(l.p50()),
                num(l.p90()), num(l.p99()), num(l.p999()), num(l.p9999()), num(l.max()));
    }

    private static String codes(Map<String, Long> codes) {
        return codes.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "-" : num(v) + " ms";
    }

    /** A figure as the terminal shows it: two decimals below 100, none from there; NaN is "-". */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}

package dev.umbra.loadtest.report;

import dev.umbra.loadtest.measure.LatencySummary;
import dev.umbra.loadtest.measure.RunSummary.SegmentSummary;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Writes compare.csv: one row per step of every run compared, runs in the order given and steps in the order they
 * ran. Latencies are those of the step's requests, from their intended send time; an empty cell is "no value" (no
 * request of the step was answered). {@code kept_up} is {@link ComparedRun#keptUp}.
 */
public final class CompareCsv {

    public static final String HEADER = "run,step,target_rate,sent_per_s,answered_per_s,p50_ms,p99_ms,max_ms,sent,"
            + "answered,lost,dropped,kept_up";

    private CompareCsv() {}

    public static void write(List<ComparedRun> runs, Path file) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(HEADER);
            out.write('\n');
            for (ComparedRun run : runs) {
                int step = 0;
                for (SegmentSummary s : run.steps()) {
                    step++;
                    LatencySummary l = s.latency();
                    boolean answered = l.count() > 0;
                    out.write(String.join(",", quote(run.label()), Integer.toString(step), number(s.targetRate()),
                            number(s.sentPerSecond()), number(s.answeredPerSecond()),
                            answered ? number(l.p50()) : "", answered ? number(l.p99()) : "",
                            answered ? number(l.max()) : "", Long.toString(s.counts().sent()),
                            Long.toString(s.counts().answered()), Long.toString(s.counts().lost()),
                            Long.toString(s.counts().dropped()), Boolean.toString(ComparedRun.keptUp(s))));
                    out.write('\n');
                }
            }
        }
    }

    /** RFC 4180: a field with a comma, a quote or a line break goes in quotes, its quotes doubled. */
    static String quote(String field) {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0 && field.indexOf('\r') < 0) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.3f", v);
    }
}

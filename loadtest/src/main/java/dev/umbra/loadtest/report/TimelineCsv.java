package dev.umbra.loadtest.report;

import dev.umbra.loadtest.measure.TimelineRow;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Writes timeline.csv: one row per second of the run (the last may be partial, see {@code span_s}); counts are events
 * in that second, latencies those of the results that arrived in it. An empty cell is "no value" (no answer that
 * second, no target rate).
 */
public final class TimelineCsv {

    public static final String HEADER = "second,phase,span_s,target_rate,sent,answered,dropped,send_errors,outstanding,"
            + "p50_ms,p99_ms,max_ms";

    private TimelineCsv() {}

    public static void write(List<TimelineRow> rows, Path file) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(HEADER);
            out.write('\n');
            for (TimelineRow r : rows) {
                out.write(String.join(",", Long.toString(r.second()), r.phase(), number(r.spanSeconds()),
                        number(r.targetRate()), Long.toString(r.sent()), Long.toString(r.answered()),
                        Long.toString(r.dropped()), Long.toString(r.sendErrors()), Long.toString(r.outstanding()),
                        number(r.p50Ms()), number(r.p99Ms()), number(r.maxMs())));
                out.write('\n');
            }
        }
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.3f", v);
    }
}

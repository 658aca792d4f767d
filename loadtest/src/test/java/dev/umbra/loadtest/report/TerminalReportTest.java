package dev.umbra.loadtest.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.loadtest.measure.RunSummary;
import dev.umbra.loadtest.measure.WorkerSummary;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The summary's lines about the worker's own timings and the p99 bound. */
class TerminalReportTest {

    private static List<String> summary(RunSummary s) {
        StringWriter text = new StringWriter();
        TerminalReport.summary(new PrintWriter(text), "run test", s);
        return text.toString().lines().toList();
    }

    private static String line(List<String> lines, String start) {
        return lines.stream().filter(l -> l.startsWith(start)).findFirst().orElse(null);
    }

    @Test
    void theWorkersTimingsAndTheBoundAreLabelledWithWhereTheyComeFrom() {
        List<String> lines = summary(SyntheticReports.summary(List.of(), Double.NaN));
        assertEquals("  worker (ms)  batch wait p50 5.00 p99 19.50  compute p50 30.00 p99 40.00  decode p50 0.00 p99 0.00"
                + "  publish p50 0.10 p99 0.30", line(lines, "  worker (ms)"));
        String second = line(lines, "  worker       ");
        assertTrue(second.startsWith("  worker       end to end p50 50.00 p99 70.00 ms  batch rows p50 16  p99 16"
                + "  max 16   the results' own timings (10 answers;"), second);
        assertEquals("  p99 bound    20 + 3 x (30.00 + 0.00) = 110.00 ms (--max-wait-ms + 3 x (worker p50 compute"
                + " + p50 decode)): p99 4.00 ms from the intended send time, within it", line(lines, "  p99 bound"));
    }

    @Test
    void aBoundNotMetSaysSoAndNoBoundNoLine() {
        RunSummary base = SyntheticReports.summary(List.of(), Double.NaN);
        WorkerSummary w = SyntheticReports.WORKER;
        RunSummary above = base.withWorker(w.withBound(0, 200));
        assertTrue(line(summary(above), "  p99 bound").endsWith("p99 200 ms from the intended send time, ABOVE it"));
        WorkerSummary none = new WorkerSummary(w.count(), w.batchWaitMs(), w.computeMs(), w.decodeMs(), w.publishMs(),
                w.endToEndMs(), w.batchSize(), null);
        List<String> lines = summary(base.withWorker(none));
        assertFalse(lines.stream().anyMatch(l -> l.contains("p99 bound")), String.join("\n", lines));
        assertTrue(line(lines, "  worker (ms)") != null);
        assertEquals("  worker       no answer carried a batch's timings",
                line(summary(base.withWorker(WorkerSummary.EMPTY)), "  worker"));
        assertFalse(summary(base.withWorker(null)).stream().anyMatch(l -> l.startsWith("  worker")),
                "a report of an older version has none");
    }
}

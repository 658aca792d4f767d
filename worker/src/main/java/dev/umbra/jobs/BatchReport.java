package dev.umbra.jobs;

import dev.umbra.kafka.demo.DemoPictures;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Where a batch job stands at the end of a run.
 *
 * @param jobId         the job
 * @param lines         prompt lines
 * @param doneBefore    lines that already had a result when the run started
 * @param answered      lines that got their result in this run
 * @param submitted     requests sent in this run
 * @param duplicates    results dropped in this run because their request already had one (at-least-once delivery)
 * @param byStatus      lines per status, over the whole job
 * @param missing       request ids still without a result (empty when the job is done)
 * @param seconds       from the first request sent to the last result written in this run
 * @param interrupted   the run was stopped (Ctrl-C) before it finished
 * @param resultsFile   the job's results.jsonl
 * @param pictures      the pictures written in this run
 */
public record BatchReport(String jobId, int lines, int doneBefore, int answered, int submitted, long duplicates,
                          Map<String, Long> byStatus, List<String> missing, double seconds, boolean interrupted,
                          Path resultsFile, DemoPictures.Summary pictures) {

    public BatchReport {
        byStatus = Map.copyOf(byStatus);
        missing = List.copyOf(missing);
    }

    /** Every line has exactly one result. */
    public boolean complete() {
        return missing.isEmpty();
    }

    public double throughputPerSecond() {
        return seconds > 0 ? answered / seconds : 0;
    }

    /** The summary, laid out as demo's. */
    public String format() {
        StringBuilder s = new StringBuilder("batch summary, job ").append(jobId)
                .append(interrupted ? " (interrupted)" : "").append(System.lineSeparator());
        s.append(String.format(Locale.ROOT, "  lines        %d  with a result %d  missing %d  (%d done before this run)%n",
                lines, lines - missing.size(), missing.size(), doneBefore));
        s.append(String.format(Locale.ROOT, "  this run     submitted %d  answered %d  duplicates %d (dropped)%n",
                submitted, answered, duplicates));
        s.append("  by status    ").append(byStatus.isEmpty() ? "none yet" : new TreeMap<>(byStatus).entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining("  ")))
                .append(System.lineSeparator());
        s.append(String.format(Locale.ROOT, "  throughput   %.1f/s over %.2f s from the first request to the last"
                + " result%n", throughputPerSecond(), seconds));
        s.append("  results      ").append(resultsFile).append(System.lineSeparator());
        s.append(String.format(Locale.ROOT, "  pictures     %d written in this run (%d inline, %d stored) in %s%n",
                pictures.pictures(), pictures.inline(), pictures.stored(), pictures.dir()));
        if (!missing.isEmpty()) {
            s.append("  missing      ").append(missing.size()).append(" lines, e.g. ")
                    .append(missing.subList(0, Math.min(5, missing.size()))).append(System.lineSeparator());
        }
        return s.toString();
    }
}

package dev.umbra.loadtest.measure;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Request ids of one run: {@code <runId>-<seq>}, seq counting sends from 0. The run id prefix is what lets a run
 * ignore results of earlier runs (or of other tools) on the same results topic, and the seq is what lets
 * {@link Measurements} keep its books in arrays instead of a map of strings.
 *
 * @param runId unique per run; any characters, as long as it is not blank
 */
public record RequestIds(String runId) {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");

    public RequestIds {
        Objects.requireNonNull(runId, "runId");
        if (runId.isBlank()) {
            throw new IllegalArgumentException("the run id must not be blank");
        }
    }

    /** A run id that sorts by start time and is unique in practice: {@code lt-20250101T120000-k3x9}. */
    public static String newRunId(ZonedDateTime now, RandomGenerator random) {
        String suffix = Long.toString(random.nextLong(36L * 36 * 36 * 36), 36);
        return "lt-" + STAMP.format(now.withZoneSameInstant(ZoneOffset.UTC)) + "-" + "0".repeat(4 - suffix.length())
                + suffix;
    }

    /** The id of the {@code seq}-th request of this run. */
    public String id(long seq) {
        return runId + "-" + seq;
    }

    /** The seq of one of this run's ids, or -1 for an id of another run (or not of this tool at all). */
    public long seqOf(String requestId) {
        if (requestId == null || requestId.length() <= runId.length() + 1 || !requestId.startsWith(runId)
                || requestId.charAt(runId.length()) != '-') {
            return -1;
        }
        long seq = 0;
        for (int i = runId.length() + 1; i < requestId.length(); i++) {
            char c = requestId.charAt(i);
            if (c < '0' || c > '9' || seq > (Long.MAX_VALUE - 9) / 10) {
                return -1;
            }
            seq = seq * 10 + (c - '0');
        }
        return seq;
    }
}

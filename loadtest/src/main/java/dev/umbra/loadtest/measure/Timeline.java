package dev.umbra.loadtest.measure;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * Per-second rows of a run, built as events happen: an event in a later second closes the rows before it (empty
 * seconds too, so that a stall shows as zeros rather than as a gap). Events are stamped by their callers just before
 * they take {@link Measurements}' lock, so one may arrive a few microseconds after the second it belongs to was
 * closed; it then counts in the open row. Not thread-safe: {@link Measurements} guards it.
 */
final class Timeline {

    private static final long SECOND = 1_000_000_000L;

    private final long startNanos;
    private final List<Segment> segments;
    private final LongSupplier outstanding;
    private final List<TimelineRow> rows = new ArrayList<>();
    // One histogram reused for every row: a histogram per second would cost ~200 KB each.
    private final Histogram latencyMicros = new Histogram(3);
    private long current;
    private long sent;
    private long answered;
    private long dropped;
    private long sendErrors;
    private boolean finished;

    Timeline(long startNanos, List<Segment> segments, LongSupplier outstanding) {
        this.startNanos = startNanos;
        this.segments = List.copyOf(segments);
        this.outstanding = outstanding;
    }

    void sent(long nowNanos) {
        advanceTo(nowNanos);
        sent++;
    }

    void dropped(long nowNanos) {
        advanceTo(nowNanos);
        dropped++;
    }

    void sendError(long nowNanos) {
        advanceTo(nowNanos);
        sendErrors++;
    }

    void answered(long nowNanos, long latencyMicros) {
        advanceTo(nowNanos);
        answered++;
        this.latencyMicros.recordValue(latencyMicros);
    }

    /** Closes every whole second before {@code nowNanos}. */
    void advanceTo(long nowNanos) {
        if (finished) {
            return;
        }
        long second = Math.max(0, nowNanos - startNanos) / SECOND;
        while (current < second) {
            close(1.0);
        }
    }

    /** Closes the rows up to {@code endNanos}, the last one partial; later events are ignored. */
    List<TimelineRow> finish(long endNanos) {
        if (!finished) {
            advanceTo(endNanos);
            double span = (Math.max(0, endNanos - startNanos) - current * SECOND) / 1e9;
            if (span > 0 || sent + answered + dropped + sendErrors > 0) {
                close(Math.max(span, 0));
            }
            finished = true;
        }
        return rows();
    }

    List<TimelineRow> rows() {
        return List.copyOf(rows);
    }

    /** The last closed row, or null before the first second has passed. */
    TimelineRow last() {
        return rows.isEmpty() ? null : rows.get(rows.size() - 1);
    }

    private void close(double spanSeconds) {
        long offset = current * SECOND;
        long middle = offset + (long) (spanSeconds * SECOND / 2);
        Segment segment = segments.stream().filter(s -> s.contains(middle)).findFirst().orElse(null);
        String phase = segment == null ? "drain" : segment.warmup() ? "warmup" : "load";
        double target = segment == null ? Double.NaN : segment.targetRate();
        boolean any = latencyMicros.getTotalCount() > 0;
        rows.add(new TimelineRow(current, phase, spanSeconds, target, sent, answered, dropped, sendErrors,
                outstanding.getAsLong(),
                any ? latencyMicros.getValueAtPercentile(50) / 1000.0 : Double.NaN,
                any ? latencyMicros.getValueAtPercentile(99) / 1000.0 : Double.NaN,
                any ? latencyMicros.getMaxValue() / 1000.0 : Double.NaN));
        latencyMicros.reset();
        sent = 0;
        answered = 0;
        dropped = 0;
        sendErrors = 0;
        current++;
    }
}

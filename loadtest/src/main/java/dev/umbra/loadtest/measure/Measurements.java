package dev.umbra.loadtest.measure;

import dev.umbra.schemas.Status;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The books of one run: every request's intended and actual send time and what became of it, the latency histograms,
 * the counters and the per-second timeline.
 *
 * <p>Latency is measured from each request's <em>intended</em> send time, the moment the schedule meant it to leave,
 * not from the moment it actually left. A load generator that falls behind (a send that blocked, a pause of the JVM,
 * a closed loop waiting for answers) would otherwise leave out exactly the waits a real client would have suffered
 * ("coordinated omission", Gil Tene). The uncorrected latency, from the actual send, is kept beside it to show the
 * difference.
 *
 * <p>Times are {@link System#nanoTime()} values passed in by the callers, so that tests can replay synthetic schedules.
 * Requests are numbered by {@link #sent} from 0; results are matched to them through {@link RequestIds}.
 *
 * <p>Thread-safe: the sender, the producer's callback thread and the result consumer call in concurrently; every
 * method takes this object's lock, held for microseconds.
 */
public final class Measurements {

    /** What an arriving result meant. */
    public enum Outcome {
        /** The first answer to one of this run's outstanding requests. */
        ANSWERED,
        /** The first answer to a request whose send was reported failed: answered, but it was no longer outstanding. */
        RECOVERED,
        /** Another answer to a request already answered. */
        DUPLICATE,
        /** An answer to a request already given up as lost (closed loop). */
        LATE,
        /** A result of another run, or a request id this run never sent. */
        FOREIGN,
        /** Arrived after {@link #finish}: not counted. */
        AFTER_END
    }

    private static final byte SENT = 1;
    private static final byte ANSWERED = 2;
    private static final byte FAILED = 3;
    private static final byte EXPIRED = 4;

    private final RequestIds ids;
    private final long startNanos;
    private final List<Segment> segments;
    private final long warmupEndOffset;
    private final Tally[] tallies;
    private final LongColumn intended = new LongColumn();
    private final LongColumn sentAt = new LongColumn();
    private final ByteColumn state = new ByteColumn();
    private final Histogram corrected = new Histogram(3);
    private final Histogram uncorrected = new Histogram(3);
    private final EnumMap<Status, Long> statuses = new EnumMap<>(Status.class);
    private final TreeMap<String, Long> errorCodes = new TreeMap<>();
    private final Timeline timeline;
    private final WorkerSide worker = new WorkerSide();

    private long nextSeq;
    private long firstOpen;
    private long outstanding;
    private long maxOutstanding;
    private long foreign;
    private long undecodable;
    private long bytesCount;
    private long bytesMin = Long.MAX_VALUE;
    private long bytesMax;
    private long bytesSum;
    private long firstMeasuredSend = Long.MAX_VALUE;
    private long lastSend = Long.MIN_VALUE;
    private long lastMeasuredAnswer = Long.MIN_VALUE;
    private long sendingEnded = Long.MIN_VALUE;
    private RunSummary summary;

    /**
     * @param ids        the run's request ids
     * @param startNanos the run's start, offset 0 of the segments
     * @param segments   the run's segments in order, contiguous, the warm-up (if any) first
     */
    public Measurements(RequestIds ids, long startNanos, List<Segment> segments) {
        this.ids = Objects.requireNonNull(ids, "ids");
        this.startNanos = startNanos;
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("a run needs at least one segment");
        }
        this.segments = List.copyOf(segments);
        this.warmupEndOffset = this.segments.stream().filter(Segment::warmup).mapToLong(Segment::endNanos).max()
                .orElse(0);
        this.tallies = new Tally[this.segments.size()];
        for (int i = 0; i < tallies.length; i++) {
            tallies[i] = new Tally(this.segments.get(i).warmup());
        }
        for (Status s : Status.values()) {
            statuses.put(s, 0L);
        }
        this.timeline = new Timeline(startNanos, this.segments, () -> outstanding);
    }

    /** The run's start, as given. */
    public long startNanos() {
        return startNanos;
    }

    public RequestIds ids() {
        return ids;
    }

    /**
     * Books a request about to be handed to the transport; call it before the send, since its answer may come back
     * before the send call returns.
     *
     * @return the request's seq, to build its id with {@link RequestIds#id(long)}
     */
    public synchronized long sent(long intendedNanos, long sentNanos) {
        long seq = nextSeq++;
        intended.set(seq, intendedNanos);
        sentAt.set(seq, sentNanos);
        state.set(seq, SENT);
        Tally t = tallyOf(intendedNanos);
        t.sent++;
        if (!t.warmup) {
            firstMeasuredSend = Math.min(firstMeasuredSend, sentNanos);
        }
        lastSend = Math.max(lastSend, sentNanos);
        outstanding++;
        maxOutstanding = Math.max(maxOutstanding, outstanding);
        timeline.sent(sentNanos);
        return seq;
    }

    /**
     * Sending is over (the schedule ran out, or a stop came): the measured sending time ends here. Without it, it ends
     * at the last segment's end or the last send, whichever is later.
     */
    public synchronized void sendingEnded(long nowNanos) {
        sendingEnded = nowNanos;
    }

    /** A request left unsent because too many were outstanding at its intended time. */
    public synchronized void dropped(long intendedNanos, long nowNanos) {
        tallyOf(intendedNanos).dropped++;
        timeline.dropped(nowNanos);
    }

    /**
     * The transport reported that a send failed.
     *
     * @return whether the request was still outstanding (and so no longer is)
     */
    public synchronized boolean sendFailed(long seq, long nowNanos) {
        if (summary != null || seq < 0 || seq >= nextSeq) {
            return false;
        }
        Tally t = tallyOf(intended.get(seq));
        t.sendErrors++;
        timeline.sendError(nowNanos);
        if (state.get(seq) != SENT) {
            return false; // answered before its send was reported failed: a producer retry got through after all
        }
        state.set(seq, FAILED);
        outstanding--;
        return true;
    }

    /** A result that is not a readable ImageResult. */
    public synchronized void undecodable() {
        if (summary == null) {
            undecodable++;
        }
    }

    /** Books an arriving result and says what it was. */
    public synchronized Outcome answered(Arrival arrival) {
        if (summary != null) {
            return Outcome.AFTER_END;
        }
        long seq = ids.seqOf(arrival.requestId());
        if (seq < 0 || seq >= nextSeq) {
            foreign++;
            return Outcome.FOREIGN;
        }
        Tally t = tallyOf(intended.get(seq));
        byte s = state.get(seq);
        if (s == ANSWERED) {
            t.duplicates++;
            return Outcome.DUPLICATE;
        }
        if (s == EXPIRED) {
            t.late++;
            return Outcome.LATE;
        }
        // SENT, or FAILED: a send reported failed whose record reached the topic after all is answered all the same.
        boolean wasOutstanding = s == SENT;
        if (wasOutstanding) {
            outstanding--;
        }
        state.set(seq, ANSWERED);
        long now = arrival.arrivalNanos();
        long fromIntended = micros(now - intended.get(seq));
        t.answered++;
        t.latency.recordValue(fromIntended);
        Tally during = tallyAt(now - startNanos);
        if (during != null) {
            during.arrivedDuring++;
        }
        timeline.answered(now, fromIntended);
        if (!t.warmup) {
            corrected.recordValue(fromIntended);
            uncorrected.recordValue(micros(now - sentAt.get(seq)));
            statuses.merge(arrival.status() == null ? Status.FAILED : arrival.status(), 1L, Long::sum);
            if (arrival.errorCode() != null) {
                errorCodes.merge(arrival.errorCode(), 1L, Long::sum);
            }
            lastMeasuredAnswer = Math.max(lastMeasuredAnswer, now);
            bytesCount++;
            bytesSum += arrival.encodedBytes();
            bytesMin = Math.min(bytesMin, arrival.encodedBytes());
            bytesMax = Math.max(bytesMax, arrival.encodedBytes());
            worker.record(arrival.worker());
        }
        advanceFirstOpen();
        return wasOutstanding ? Outcome.ANSWERED : Outcome.RECOVERED;
    }

    /**
     * Gives up on outstanding requests sent before {@code sentBeforeNanos}: they count as lost from now on, and an
     * answer that still comes is {@link Outcome#LATE}. The closed loop uses it so that a lost request does not hold
     * its slot forever.
     *
     * @return how many were given up
     */
    public synchronized int expire(long sentBeforeNanos) {
        int expired = 0;
        for (long seq = firstOpen; seq < nextSeq && sentAt.get(seq) < sentBeforeNanos; seq++) {
            if (state.get(seq) == SENT) {
                state.set(seq, EXPIRED);
                tallyOf(intended.get(seq)).lost++;
                outstanding--;
                expired++;
            }
        }
        advanceFirstOpen();
        return expired;
    }

    /** Requests sent and neither answered, failed nor given up. */
    public synchronized long outstanding() {
        return outstanding;
    }

    /** The most requests ever outstanding at once. */
    public synchronized long maxOutstanding() {
        return maxOutstanding;
    }

    /** A snapshot for the progress line. */
    public synchronized Progress progress(long nowNanos) {
        timeline.advanceTo(nowNanos);
        long sent = 0;
        long answered = 0;
        long dropped = 0;
        for (Tally t : tallies) {
            sent += t.sent;
            answered += t.answered;
            dropped += t.dropped;
        }
        Histogram shown = corrected.getTotalCount() > 0 ? corrected : tallies[0].latency;
        boolean any = shown.getTotalCount() > 0;
        TimelineRow last = timeline.last();
        long offset = nowNanos - startNanos;
        Segment segment = segments.stream().filter(s -> s.contains(offset)).findFirst().orElse(null);
        String phase = segment == null ? "drain" : segment.warmup() ? "warmup" : "load";
        return new Progress(offset / 1e9, phase, sent, answered, outstanding, dropped,
                last == null ? 0 : last.answeredPerSecond(),
                any ? shown.getValueAtPercentile(50) / 1000.0 : Double.NaN,
                any ? shown.getValueAtPercentile(99) / 1000.0 : Double.NaN);
    }

    /**
     * Ends the books: requests still outstanding are lost, later results are ignored. Idempotent: a second call
     * returns the first summary.
     */
    public synchronized RunSummary finish(long endNanos) {
        if (summary != null) {
            return summary;
        }
        for (long seq = firstOpen; seq < nextSeq; seq++) {
            if (state.get(seq) == SENT) {
                tallyOf(intended.get(seq)).lost++;
            }
        }
        List<TimelineRow> rows = timeline.finish(endNanos);
        Counts measured = Counts.ZERO;
        Counts warm = Counts.ZERO;
        List<RunSummary.SegmentSummary> perSegment = new ArrayList<>();
        double targetSum = 0;
        double targetSeconds = 0;
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            Tally t = tallies[i];
            Counts c = t.counts();
            if (s.warmup()) {
                warm = warm.plus(c);
            } else {
                measured = measured.plus(c);
                targetSum += s.targetRate() * s.seconds();
                targetSeconds += s.seconds();
            }
            perSegment.add(new RunSummary.SegmentSummary(i, s.warmup(), s.targetRate(), s.startNanos() / 1e9,
                    s.endNanos() / 1e9, c, rate(t.sent, s.seconds()), rate(t.arrivedDuring, s.seconds()),
                    LatencySummary.of(t.latency)));
        }
        long loadEnd = sendingEnded != Long.MIN_VALUE ? sendingEnded - startNanos
                : Math.max(lastSend - startNanos, segments.get(segments.size() - 1).endNanos());
        double sendWindow = loadEnd - warmupEndOffset;
        double answerWindow = lastMeasuredAnswer == Long.MIN_VALUE ? 0
                : lastMeasuredAnswer - (startNanos + warmupEndOffset);
        Map<String, Long> byStatus = new LinkedHashMap<>();
        statuses.forEach((k, v) -> byStatus.put(k.name(), v));
        double loadSeconds = Math.max(0, loadEnd - warmupEndOffset) / 1e9;
        double total = (endNanos - startNanos) / 1e9;
        summary = new RunSummary(
                ids.runId(),
                measured,
                warm,
                LatencySummary.of(corrected),
                LatencySummary.of(uncorrected),
                byStatus,
                new LinkedHashMap<>(errorCodes),
                foreign,
                undecodable,
                maxOutstanding,
                new RunSummary.Throughput(targetSeconds > 0 ? targetSum / targetSeconds : Double.NaN,
                        rate(measured.sent(), sendWindow / 1e9), rate(measured.answered(), answerWindow / 1e9)),
                bytesCount == 0 ? new RunSummary.ByteSummary(0, 0, 0, 0)
                        : new RunSummary.ByteSummary(bytesCount, bytesMin, (double) bytesSum / bytesCount, bytesMax),
                worker.summary(),
                perSegment,
                rows,
                new RunSummary.Durations(warmupEndOffset / 1e9, loadSeconds,
                        Math.max(0, total - loadEnd / 1e9), total));
        return summary;
    }

    private static double rate(long count, double seconds) {
        return seconds > 0 ? count / seconds : 0;
    }

    /** Latency in whole microseconds, the histograms' unit; a clock step backwards reads as 0, never negative. */
    private static long micros(long nanos) {
        return Math.max(0, (nanos + 500) / 1000);
    }

    private Tally tallyOf(long intendedNanos) {
        long offset = intendedNanos - startNanos;
        for (int i = 0; i < segments.size(); i++) {
            if (offset < segments.get(i).endNanos()) {
                return tallies[i];
            }
        }
        // Past the last segment (a send that fell behind its schedule's end): it belongs to the last one.
        return tallies[tallies.length - 1];
    }

    /** The tally of the segment running at {@code offsetNanos}, or null outside every segment (the drain). */
    private Tally tallyAt(long offsetNanos) {
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i).contains(offsetNanos)) {
                return tallies[i];
            }
        }
        return null;
    }

    private void advanceFirstOpen() {
        while (firstOpen < nextSeq && state.get(firstOpen) != SENT) {
            firstOpen++;
        }
    }

    /** The counters and latencies of one segment. */
    private static final class Tally {
        final Histogram latency = new Histogram(3);
        final boolean warmup;
        long sent;
        long answered;
        long lost;
        long duplicates;
        long late;
        long dropped;
        long sendErrors;
        // First answers (to any request) that arrived while this segment ran: its throughput.
        long arrivedDuring;

        Tally(boolean warmup) {
            this.warmup = warmup;
        }

        Counts counts() {
            return new Counts(sent, answered, lost, duplicates, late, dropped, sendErrors);
        }
    }
}

package dev.umbra.loadtest.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.schemas.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The books on synthetic schedules: every time is given, nothing waits. */
class MeasurementsTest {

    private static final long MS = 1_000_000L;
    private static final long T0 = 1_000_000_000_000L;
    private static final RequestIds IDS = new RequestIds("test-run");

    private static Arrival ok(long seq, long atNanos) {
        return new Arrival(IDS.id(seq), Status.OK, null, 500, atNanos);
    }

    /**
     * 1000 requests due 1 ms apart; each is answered 1 ms after it actually leaves. At 500 ms the sender stalls for 200
     * ms, so the 200 requests due in that time leave together at 700 ms. From the actual send every answer takes 1 ms;
     * from the intended send the stalled ones waited 2 to 201 ms: p90 is the 100th of them (101 ms), p99 the 190th
     * (191 ms), the max 201 ms.
     */
    @Test
    void aStallOfTheSenderShowsInTheCorrectedPercentilesOnly() {
        Measurements m = new Measurements(IDS, T0, List.of(new Segment(0, false, 1000, 0, 1000 * MS)));
        for (int i = 0; i < 1000; i++) {
            long intended = T0 + i * MS;
            long sent = i >= 500 && i < 700 ? T0 + 700 * MS : intended;
            long seq = m.sent(intended, sent);
            assertEquals(Measurements.Outcome.ANSWERED, m.answered(ok(seq, sent + MS)));
        }
        RunSummary s = m.finish(T0 + 1002 * MS);

        LatencySummary corrected = s.latency();
        assertEquals(1000, corrected.count());
        assertEquals(1.0, corrected.p50(), 0.01);
        assertEquals(101.0, corrected.p90(), 0.2);
        assertEquals(191.0, corrected.p99(), 0.2);
        assertEquals(201.0, corrected.max(), 0.2);

        LatencySummary uncorrected = s.latencyUncorrected();
        assertEquals(1.0, uncorrected.p99(), 0.01);
        assertEquals(1.0, uncorrected.max(), 0.01, "without the correction the stall is invisible");
    }

    @Test
    void warmupRequestsAreCountedApartAndLeftOutOfTheFigures() {
        Measurements m = new Measurements(IDS, T0, List.of(
                new Segment(0, true, 100, 0, 1000 * MS), new Segment(1, false, 100, 1000 * MS, 2000 * MS)));
        long slow = m.sent(T0, T0);                 // warm-up: 500 ms
        long fast = m.sent(T0 + 1500 * MS, T0 + 1500 * MS); // measured: 2 ms
        m.answered(ok(slow, T0 + 500 * MS));
        m.answered(ok(fast, T0 + 1502 * MS));
        RunSummary s = m.finish(T0 + 2000 * MS);
        assertEquals(1, s.warmup().answered());
        assertEquals(1, s.measured().answered());
        assertEquals(2.0, s.latency().max(), 0.01);
        assertEquals(1, s.byStatus().get("OK"));
        assertEquals(500.0, s.segments().get(0).latency().max(), 0.5);
    }

    @Test
    void lostDuplicateLateForeignAndFailedAreTold() {
        Measurements m = new Measurements(IDS, T0, List.of(new Segment(0, false, 100, 0, 100 * MS)));
        long a = m.sent(T0, T0);
        long b = m.sent(T0 + MS, T0 + MS);
        long c = m.sent(T0 + 2 * MS, T0 + 2 * MS);
        long d = m.sent(T0 + 3 * MS, T0 + 3 * MS);
        assertEquals(4, m.outstanding());
        assertEquals(Measurements.Outcome.ANSWERED, m.answered(ok(a, T0 + 5 * MS)));
        assertEquals(Measurements.Outcome.DUPLICATE, m.answered(ok(a, T0 + 6 * MS)));
        assertEquals(Measurements.Outcome.FOREIGN, m.answered(new Arrival("other-run-0", Status.OK, null, 1, T0)));
        assertEquals(Measurements.Outcome.FOREIGN, m.answered(ok(99, T0 + 6 * MS)), "an id this run never sent");
        assertTrue(m.sendFailed(b, T0 + 7 * MS));
        assertEquals(Measurements.Outcome.RECOVERED, m.answered(ok(b, T0 + 8 * MS)),
                "a send reported failed that got through after all is answered, but held no slot");
        assertEquals(1, m.expire(T0 + 2 * MS + 1), "c was sent before the threshold");
        assertEquals(Measurements.Outcome.LATE, m.answered(ok(c, T0 + 9 * MS)));
        assertEquals(1, m.outstanding());
        assertEquals(4, m.maxOutstanding());
        RunSummary s = m.finish(T0 + 10 * MS);
        assertEquals(new Counts(4, 2, 2, 1, 1, 0, 1), s.measured(), "d lost at the end, c expired");
        assertEquals(2, s.foreignResults());
        assertEquals(Measurements.Outcome.AFTER_END, m.answered(ok(d, T0 + 11 * MS)));
        assertEquals(s, m.finish(T0 + 12 * MS), "finish is idempotent");
    }

    @Test
    void theTimelineHasARowPerSecondWithTheStallAsZeros() {
        Measurements m = new Measurements(IDS, T0, List.of(new Segment(0, false, 10, 0, 4000 * MS)));
        for (int sec : new int[] {0, 3}) {
            for (int i = 0; i < 10; i++) {
                long t = T0 + sec * 1000 * MS + i * 100 * MS;
                m.answered(ok(m.sent(t, t), t + 5 * MS));
            }
        }
        List<TimelineRow> rows = m.finish(T0 + 4500 * MS).timeline();
        assertEquals(5, rows.size());
        assertEquals(List.of(10L, 0L, 0L, 10L, 0L), rows.stream().map(TimelineRow::answered).toList());
        assertEquals(List.of("load", "load", "load", "load", "drain"), rows.stream().map(TimelineRow::phase).toList());
        assertEquals(0.5, rows.get(4).spanSeconds(), 1e-9);
        assertEquals(5.0, rows.get(0).p99Ms(), 0.01);
        assertTrue(Double.isNaN(rows.get(1).p50Ms()), "no answer, no latency");
    }

    /** A step's throughput is what arrived while it ran; its latency is that of the requests due in it. */
    @Test
    void aStepsRatesAreThoseOfItsOwnTime() {
        Measurements m = new Measurements(IDS, T0, List.of(
                new Segment(0, false, 10, 0, 1000 * MS), new Segment(1, false, 20, 1000 * MS, 2000 * MS)));
        for (int i = 0; i < 10; i++) {
            long t = T0 + i * 100 * MS;
            m.sent(t, t); // each answered 500 ms late: half while the first step runs, half in the second
        }
        for (int i = 0; i < 10; i++) {
            m.answered(ok(i, T0 + i * 100 * MS + 500 * MS));
        }
        m.sendingEnded(T0 + 2000 * MS);
        RunSummary s = m.finish(T0 + 2600 * MS);
        RunSummary.SegmentSummary first = s.segments().get(0);
        RunSummary.SegmentSummary second = s.segments().get(1);
        assertEquals(10.0, first.sentPerSecond(), 1e-9);
        assertEquals(5.0, first.answeredPerSecond(), 1e-9, "the answers of the first five came while it ran");
        assertEquals(5.0, second.answeredPerSecond(), 1e-9, "the other 5 came while the second step ran");
        assertEquals(500.0, first.latency().p50(), 1.0);
        assertEquals(0, second.counts().sent());
        assertEquals(5.0, s.throughput().sentPerSecond(), 1e-9, "10 sent over the 2 s of sending");
        assertEquals(2.0, s.seconds().load(), 1e-9);
        assertEquals(0.6, s.seconds().drain(), 1e-9);
    }

    @Test
    void requestIdsOfOtherRunsAreNotOurs() {
        RequestIds ids = new RequestIds("lt-1");
        assertEquals(12, ids.seqOf("lt-1-12"));
        assertEquals(-1, ids.seqOf("lt-12-1".substring(0, 4) + "x"));
        assertEquals(-1, ids.seqOf("lt-10-5"), "a run id that merely starts with ours");
        assertEquals(-1, ids.seqOf("lt-1-"));
        assertEquals(-1, ids.seqOf("lt-1-1a"));
        assertEquals(-1, ids.seqOf(null));
    }
}

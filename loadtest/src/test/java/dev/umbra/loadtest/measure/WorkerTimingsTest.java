package dev.umbra.loadtest.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import dev.umbra.schemas.Timings;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The worker's own timings, read from ImageResults encoded and decoded by the schemas' codec as the Kafka transport
 * reads them, and aggregated over the measured first answers only.
 */
class WorkerTimingsTest {

    private static final long MS = 1_000_000L;
    private static final long T0 = 1_000_000_000_000L;
    private static final RequestIds IDS = new RequestIds("wt-run");
    private static final EventCodec CODEC = new EventCodec();

    /** An ImageResult with these timings, through the Avro encoding and back, as it arrives at {@code atNanos}. */
    private static Arrival arrival(long seq, Status status, double batchWait, double tokenize, double textEncode,
            double prior, double decode, double publish, double endToEnd, int batchSize, long atNanos) {
        Timings timings = Timings.newBuilder().setQueueWaitMs(1).setBatchWaitMs(batchWait).setTokenizeMs(tokenize)
                .setTextEncodeMs(textEncode).setPriorMs(prior).setDecodeMs(decode).setPublishMs(publish)
                .setEndToEndMs(endToEnd).build();
        ImageResult result = ImageResult.newBuilder().setRequestId(IDS.id(seq)).setStatus(status)
                .setErrorCode(status == Status.OK ? null : "EMPTY_PROMPT").setTimings(timings)
                .setBatchId(batchSize > 0 ? "w-" + batchSize : null).setBatchSize(batchSize).setWorkerId("w")
                .setCompletedAt(Instant.ofEpochMilli(1_700_000_000_000L)).build();
        byte[] value = CODEC.encode(result);
        return Arrival.of(CODEC.decodeImageResult(value), value.length, atNanos);
    }

    @Test
    void computeIsTokenizePlusTextEncodePlusPriorOfTheBatch() {
        Arrival a = arrival(0, Status.OK, 12.5, 0.75, 4.25, 20, 33, 0.5, 80, 16, T0);
        WorkerTimings t = a.worker();
        assertEquals(12.5, t.batchWaitMs());
        assertEquals(25.0, t.computeMs(), 1e-9);
        assertEquals(33.0, t.decodeMs());
        assertEquals(0.5, t.publishMs());
        assertEquals(80.0, t.endToEndMs());
        assertEquals(16, t.batchSize());
        assertTrue(t.ranInBatch());
        assertEquals(IDS.id(0), a.requestId());
        assertTrue(a.encodedBytes() > 0);
    }

    /**
     * 100 measured answers in 10 batches b = 0..9 of compute 1 + 3(b+1) + 6(b+1) ms (10, 19, ..., 91); request i waits
     * 2(i mod 10) ms, decodes 100 + i ms, publishes in 0.25 ms, takes 200 + i ms end to end; batches of 10 rows, the
     * last of 16. Around them: warm-up answers, a duplicate and a rejected answer, all with timings far off, none of
     * which may count.
     */
    @Test
    void theMeasuredFirstAnswersThatRanInABatchAreAggregated() {
        Measurements m = new Measurements(IDS, T0, List.of(
                new Segment(0, true, 100, 0, 100 * MS), new Segment(1, false, 100, 100 * MS, 1200 * MS)));
        for (int i = 0; i < 10; i++) { // warm-up: slow batches
            long seq = m.sent(T0 + i * MS, T0 + i * MS);
            m.answered(arrival(seq, Status.OK, 5000, 1000, 2000, 3000, 4000, 500, 9000, 64, T0 + 50 * MS));
        }
        long first = -1;
        for (int i = 0; i < 100; i++) {
            long due = T0 + (100 + 10 * i) * MS;
            long seq = m.sent(due, due);
            first = first < 0 ? seq : first;
            int b = i / 10;
            assertEquals(Measurements.Outcome.ANSWERED, m.answered(arrival(seq, Status.OK, 2 * (i % 10), 1,
                    3 * (b + 1), 6 * (b + 1), 100 + i, 0.25, 200 + i, b == 9 ? 16 : 10, due + 5 * MS)));
        }
        assertEquals(Measurements.Outcome.DUPLICATE, m.answered(arrival(first, Status.OK, 7777, 7777, 7777, 7777,
                7777, 7777, 7777, 64, T0 + 1150 * MS)));
        long rejected = m.sent(T0 + 1190 * MS, T0 + 1190 * MS);
        m.answered(arrival(rejected, Status.REJECTED, 0, 0, 0, 0, 0, 0, 0, 0, T0 + 1191 * MS));

        WorkerSummary w = m.finish(T0 + 1300 * MS).worker();

        assertEquals(100, w.count(), "measured first answers that ran in a batch");
        assertEquals(46.0, w.computeMs().p50(), 0.05, "the 50th of 100: batch 4, 1 + 15 + 30");
        assertEquals(82.0, w.computeMs().p90(), 0.1);
        assertEquals(91.0, w.computeMs().p99(), 0.1);
        assertEquals(91.0, w.computeMs().max(), 0.1, "the warm-up's 6,000 ms and the duplicate's are left out");
        assertEquals(8.0, w.batchWaitMs().p50(), 0.01);
        assertEquals(18.0, w.batchWaitMs().p99(), 0.02);
        assertEquals(149.0, w.decodeMs().p50(), 0.2);
        assertEquals(199.0, w.decodeMs().max(), 0.2);
        assertEquals(0.25, w.publishMs().p50(), 1e-9);
        assertEquals(0.25, w.publishMs().max(), 1e-9);
        assertEquals(249.0, w.endToEndMs().p50(), 0.3);
        assertEquals(299.0, w.endToEndMs().max(), 0.3);
        assertEquals(10.0, w.batchSize().p50());
        assertEquals(16.0, w.batchSize().p99(), "the last batch's 10 answers are the top 10%");
        assertEquals(16.0, w.batchSize().max());
        assertNull(w.p99Bound(), "no bound unless asked for");
    }

    @Test
    void withoutAnswersThatRanInABatchThereAreNoFigures() {
        Measurements m = new Measurements(IDS, T0, List.of(new Segment(0, false, 10, 0, 100 * MS)));
        long seq = m.sent(T0, T0);
        m.answered(arrival(seq, Status.REJECTED, 0, 0, 0, 0, 0, 0, 3, 0, T0 + MS));
        WorkerSummary w = m.finish(T0 + 200 * MS).worker();
        assertEquals(WorkerSummary.EMPTY, w);
        assertTrue(Double.isNaN(w.computeMs().p50()));
        assertNull(w.withBound(20, 5).p99Bound(), "no bound without the worker's compute times");
    }

    @Test
    void theBoundIsTheWaitPlusThreeTimesTheP50ComputeAndDecode() {
        WorkerSummary.P99Bound met = WorkerSummary.P99Bound.of(20, 30, 5, 125);
        assertEquals(125.0, met.boundMs(), 1e-9);
        assertTrue(met.met(), "equal to the bound is within it");
        assertEquals("20 + 3 x (30.00 + 5.00) = 125.00 ms", met.formula());
        assertFalse(WorkerSummary.P99Bound.of(20, 30, 5, 125.01).met());
        assertFalse(WorkerSummary.P99Bound.of(20, 30, 0, 111).met(), "decode counts: without it the bound is 110");

        Measurements m = new Measurements(IDS, T0, List.of(new Segment(0, false, 10, 0, 100 * MS)));
        for (int i = 0; i < 4; i++) {
            long seq = m.sent(T0 + i * MS, T0 + i * MS);
            m.answered(arrival(seq, Status.OK, 3, 1, 2, 7 + i, 0, 0.1, 20, 4, T0 + (i + 40) * MS));
        }
        RunSummary s = m.finish(T0 + 200 * MS);
        WorkerSummary.P99Bound b = s.worker().withBound(2.5, s.latency().p99()).p99Bound();
        assertEquals(2.5, b.maxWaitMs());
        assertEquals(11.0, b.computeP50Ms(), 0.01, "compute 10, 11, 12, 13: the 2nd of 4");
        assertEquals(0.0, b.decodeP50Ms());
        assertEquals(35.5, b.boundMs(), 0.03);
        assertEquals(40.0, b.p99Ms(), 0.05, "every answer 40 ms after it was due");
        assertFalse(b.met());
    }
}

package dev.umbra.loadtest.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.loadtest.measure.Counts;
import dev.umbra.loadtest.measure.RequestIds;
import dev.umbra.loadtest.measure.RunSummary;
import dev.umbra.schemas.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The driver against an in-memory responder, in real time (each run well under a second). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoadDriverTest {

    private static RunSummary run(LoadShape shape, Duration grace, Duration settle, FakeResponder responder)
            throws Exception {
        LoadPlan plan = new LoadPlan(shape, Duration.ZERO, grace, settle, 1);
        RequestFactory requests = new RequestFactory(new RequestIds("t"), List.of("a red circle"), 1, null);
        try (responder) {
            return new LoadDriver(plan, requests, responder).run(m -> { });
        }
    }

    private static LoadShape.OpenLoop constant(double rate, Duration duration) {
        return new LoadShape.OpenLoop(List.of(new RateStep(rate, duration)), Arrivals.CONSTANT, 100_000);
    }

    /**
     * 200 requests at 200/s, each answered 1 ms after it leaves; the 50th send blocks for 300 ms, so the ~60 requests
     * due meanwhile leave late. Measured from the actual send nothing took long; from the intended send the stall is
     * there, up to 300 ms.
     */
    @Test
    void aBlockedSendShowsInTheLatencyFromTheIntendedTime() throws Exception {
        FakeResponder responder = new FakeResponder((i, r) -> FakeResponder.Reply.ok(1000)).stallSend(50, 300);
        RunSummary s = run(constant(200, Duration.ofSeconds(1)), Duration.ofSeconds(5), Duration.ZERO, responder);
        assertEquals(200, s.measured().answered());
        assertTrue(s.latency().max() >= 290, "corrected max " + s.latency().max());
        assertTrue(s.latency().p90() >= 50, "corrected p90 " + s.latency().p90());
        assertTrue(s.latencyUncorrected().p90() < 40, "uncorrected p90 " + s.latencyUncorrected().p90());
        assertTrue(s.latencyUncorrected().p90() * 2 < s.latency().p90());
    }

    @Test
    void theClosedLoopNeverHasMoreThanNOutstanding() throws Exception {
        FakeResponder responder = new FakeResponder(
                (i, r) -> FakeResponder.Reply.ok(2000 + ThreadLocalRandom.current().nextLong(2000)));
        RunSummary s = run(new LoadShape.ClosedLoop(4, Duration.ofMillis(600)), Duration.ofSeconds(5),
                Duration.ZERO, responder);
        assertEquals(4, s.maxOutstanding(), "the first four leave at once; a fifth only after an answer");
        Counts c = s.measured();
        assertTrue(c.sent() > 100, "sent " + c.sent());
        assertEquals(c.sent(), c.answered());
        assertEquals(0, c.lost());
        // 4 outstanding, 2 to 4 ms each: about 1300 a second at most.
        assertTrue(s.throughput().answeredPerSecond() < 2100, "rate " + s.throughput().answeredPerSecond());
    }

    @Test
    void aLostRequestGivesItsClosedLoopSlotBackAfterTheGrace() throws Exception {
        FakeResponder responder = new FakeResponder(
                (i, r) -> i % 5 == 4 ? new FakeResponder.Reply(0, Status.OK, null, 0) : FakeResponder.Reply.ok(1000));
        RunSummary s = run(new LoadShape.ClosedLoop(2, Duration.ofMillis(800)), Duration.ofMillis(100),
                Duration.ZERO, responder);
        Counts c = s.measured();
        long dropped = (responder.sends() + 0) / 5; // indexes 4, 9, 14, ...
        assertTrue(c.sent() > 20, "with both slots lost the loop would have stalled at 10: sent " + c.sent());
        assertEquals(dropped, c.lost());
        assertEquals(c.sent() - dropped, c.answered());
        assertTrue(s.maxOutstanding() <= 2, "max outstanding " + s.maxOutstanding());
    }

    /**
     * 300 requests; the responder drops every 10th from the 4th, answers every 7th twice and every 50th from the 2nd
     * three times, answers every 11th from the 6th REJECTED, and three results of another run come by: the report
     * counts each exactly.
     */
    @Test
    void lostAndDuplicateRequestsAreCountedExactly() throws Exception {
        FakeResponder.Policy policy = (i, r) -> {
            if (i % 10 == 3) {
                return new FakeResponder.Reply(0, Status.OK, null, 0);
            }
            int copies = i % 50 == 1 ? 3 : i % 7 == 0 ? 2 : 1;
            boolean rejected = i % 11 == 5;
            return new FakeResponder.Reply(copies, rejected ? Status.REJECTED : Status.OK,
                    rejected ? "EMPTY_PROMPT" : null, 500);
        };
        long lost = 0;
        long duplicates = 0;
        long rejected = 0;
        for (int i = 0; i < 300; i++) {
            if (i % 10 == 3) {
                lost++;
                continue;
            }
            duplicates += i % 50 == 1 ? 2 : i % 7 == 0 ? 1 : 0;
            rejected += i % 11 == 5 ? 1 : 0;
        }
        FakeResponder responder = new FakeResponder(policy);
        LoadPlan plan = new LoadPlan(constant(1000, Duration.ofMillis(300)), Duration.ZERO, Duration.ofMillis(300),
                Duration.ofMillis(200), 1);
        RequestFactory requests = new RequestFactory(new RequestIds("t"), List.of("a red circle"), 1, null);
        RunSummary s;
        try (responder) {
            s = new LoadDriver(plan, requests, responder).run(m -> {
                responder.publishForeign("earlier-run-0");
                responder.publishForeign("earlier-run-1");
                responder.publishForeign("t-999999");
            });
        }
        Counts c = s.measured();
        assertEquals(300, c.sent());
        assertEquals(lost, c.lost());
        assertEquals(300 - lost, c.answered());
        assertEquals(duplicates, c.duplicates());
        assertEquals(rejected, s.byStatus().get("REJECTED"));
        assertEquals(300 - lost - rejected, s.byStatus().get("OK"));
        assertEquals(rejected, s.errorCodes().get("EMPTY_PROMPT"));
        assertEquals(3, s.foreignResults());
    }

    @Test
    void theOutstandingGuardDropsWhatAStalledWorkerWouldPileUp() throws Exception {
        // A worker that never answers: after 20 sends, every further request is dropped, not sent.
        FakeResponder responder = new FakeResponder((i, r) -> new FakeResponder.Reply(0, Status.OK, null, 0));
        LoadShape.OpenLoop shape = new LoadShape.OpenLoop(List.of(new RateStep(500, Duration.ofMillis(200))),
                Arrivals.CONSTANT, 20);
        RunSummary s = run(shape, Duration.ofMillis(50), Duration.ZERO, responder);
        assertEquals(20, s.measured().sent());
        assertEquals(80, s.measured().dropped());
        assertEquals(20, s.measured().lost());
    }
}

package dev.umbra.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The batching decision as a pure function of queue and time: explicit nanosecond values, no clock, no threads. */
class BatchPolicyTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private final BatchPolicy policy = new BatchPolicy(8, 20);

    @Test
    void emptyQueueIsIdle() {
        assertInstanceOf(BatchPolicy.Idle.class, policy.decide(0, 0, 123 * MS));
    }

    @Test
    void partialBatchWaitsForTheRestOfTheDelayOfItsOldestItem() {
        long arrival = 1_000 * MS;
        BatchPolicy.Decision d = policy.decide(3, arrival, arrival + 5 * MS);
        assertEquals(new BatchPolicy.Wait(15 * MS), d);
    }

    @Test
    void partialBatchRunsOnceTheOldestItemHasWaitedTheDelay() {
        long arrival = 1_000 * MS;
        assertInstanceOf(BatchPolicy.RunNow.class, policy.decide(3, arrival, arrival + 20 * MS));
        assertInstanceOf(BatchPolicy.RunNow.class, policy.decide(1, arrival, arrival + 500 * MS));
    }

    @Test
    void fullBatchRunsAtOnce() {
        long arrival = 1_000 * MS;
        assertInstanceOf(BatchPolicy.RunNow.class, policy.decide(8, arrival, arrival));
        assertInstanceOf(BatchPolicy.RunNow.class, policy.decide(13, arrival, arrival));
    }

    @Test
    void zeroDelayRunsWhateverIsQueued() {
        BatchPolicy noWait = new BatchPolicy(8, 0);
        assertInstanceOf(BatchPolicy.RunNow.class, noWait.decide(1, 5 * MS, 5 * MS));
    }

    @Test
    void timesAreComparedByDifferenceSoNanoTimeMayWrap() {
        long arrival = Long.MAX_VALUE - 2 * MS;
        long now = arrival + 5 * MS; // overflows to a negative value
        assertEquals(new BatchPolicy.Wait(15 * MS), policy.decide(1, arrival, now));
    }

    @Test
    void batchTakesItemsInOrderWhileTheyFitWithoutSplittingOne() {
        assertEquals(3, policy.batchLength(List.of(2, 3, 3, 1)));
        assertEquals(2, policy.batchLength(List.of(4, 3, 2, 1))); // 4+3+2 > 8: stop at the first misfit, keep order
        assertEquals(1, policy.batchLength(List.of(1)));
        assertEquals(8, policy.batchLength(List.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)));
    }

    @Test
    void itemHeavierThanTheMaximumRunsAlone() {
        assertEquals(1, policy.batchLength(List.of(12, 1, 1)));
        assertEquals(1, policy.batchLength(List.of(7, 9)));
    }

    @Test
    void invalidSettingsAndInputsAreRefusedNamingTheValue() {
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class, () -> new BatchPolicy(0, 10));
        assertTrue(rows.getMessage().contains("got 0"), rows.getMessage());
        IllegalArgumentException delay = assertThrows(IllegalArgumentException.class, () -> new BatchPolicy(4, -1));
        assertTrue(delay.getMessage().contains("got -1"), delay.getMessage());
        assertThrows(IllegalArgumentException.class, () -> policy.decide(-1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> policy.batchLength(List.of()));
    }
}

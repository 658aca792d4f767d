package dev.umbra.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Batch size and wait from a latency target and measured batch times, with explicit times (no clock, no sleeps). */
class AdaptiveBatchSizingTest {

    private static final long MS = 1_000_000L;

    /** Batches cost 2 ms plus 0.5 ms a row. */
    private static void measure(AdaptiveBatchSizing sizing, int... sizes) {
        for (int b : sizes) {
            sizing.observe(b, (long) ((2 + 0.5 * b) * MS));
        }
    }

    @Test
    void beforeMeasuringItRunsQuarterBatchesWithoutWaiting() {
        AdaptiveBatchSizing sizing = new AdaptiveBatchSizing(20, TimeUnit.MILLISECONDS, 64);
        assertEquals(new BatchPolicy(16, 0), sizing.policy(3));
        assertEquals(-1, sizing.predictNanos(8));
    }

    @Test
    void theBatchIsTheLargestWhoseTwoComputeTimesFitTheTarget() {
        AdaptiveBatchSizing sizing = new AdaptiveBatchSizing(20, TimeUnit.MILLISECONDS, 64);
        measure(sizing, 4, 8, 4, 8);
        assertEquals(6 * MS, sizing.predictNanos(8), 1e3);
        assertEquals(34 * MS, sizing.predictNanos(64), 1e3);
        // 2 * (2 + 0.5 b) <= 20  =>  b <= 16; no budget is left to wait.
        assertEquals(new BatchPolicy(16, 0), sizing.policy(2));
        // A looser target buys bigger batches.
        AdaptiveBatchSizing loose = new AdaptiveBatchSizing(30, TimeUnit.MILLISECONDS, 64);
        measure(loose, 4, 8);
        assertEquals(26, loose.policy(2).maxBatchRows());
    }

    @Test
    void leftoverBudgetIsWaitedOnlyAsLongAsArrivalsNeedToFillTheBatch() {
        AdaptiveBatchSizing sizing = new AdaptiveBatchSizing(100, TimeUnit.MILLISECONDS, 64);
        measure(sizing, 4, 8);
        // The hard maximum binds: c(64) = 34 ms, 100 - 68 = 32 ms left to wait, with no arrival rate known.
        assertEquals(new BatchPolicy(64, 32), sizing.policy(10));
        // Rows arrive one per millisecond: 24 more rows take 24 ms, so waiting longer than that gains nothing.
        for (int i = 0; i <= 50; i++) {
            sizing.arrived(1, i * MS);
        }
        assertEquals(new BatchPolicy(64, 24), sizing.policy(40));
    }

    @Test
    void aBacklogLargerThanTheBatchRunsAtOnceInBatchesAsBigAsAllowed() {
        AdaptiveBatchSizing sizing = new AdaptiveBatchSizing(20, TimeUnit.MILLISECONDS, 64);
        measure(sizing, 4, 8);
        assertEquals(new BatchPolicy(40, 0), sizing.policy(40));
        assertEquals(new BatchPolicy(64, 0), sizing.policy(500));
    }

    @Test
    void aTargetBelowOneRowsTimeStillRunsSingleRows() {
        AdaptiveBatchSizing sizing = new AdaptiveBatchSizing(3, TimeUnit.MILLISECONDS, 64);
        measure(sizing, 4, 8);
        assertEquals(new BatchPolicy(1, 0), sizing.policy(1));
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveBatchSizing(0, TimeUnit.MILLISECONDS, 8));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveBatchSizing(10, TimeUnit.MILLISECONDS, 0));
    }

    /** The batcher feeds the sizing each batch's time, on its own clock, and forms batches by its choice. */
    @Test
    void theBatcherLearnsTheBatchSizeFromItsOwnBatches() throws Exception {
        // Real time (so that waits elapse) plus the compute time the processor pretends to spend.
        AtomicLong computed = new AtomicLong();
        AdaptiveBatchSizing sizing = new AdaptiveBatchSizing(20, TimeUnit.MILLISECONDS, 64);
        List<Integer> sizes = new ArrayList<>();
        BatchProcessor<Integer, Integer> processor = batch -> {
            sizes.add(batch.rows());
            computed.addAndGet((long) ((2 + 0.5 * batch.rows()) * MS));
            return batch.items().stream().map(BatchItem::payload).toList();
        };
        try (DynamicBatcher<Integer, Integer> batcher = DynamicBatcher.start("adaptive-test", sizing, processor,
                () -> System.nanoTime() + computed.get())) {
            // Waves of 10 items, each wave answered before the next: batches of what is queued, sizes vary.
            for (int wave = 0; wave < 20; wave++) {
                List<CompletableFuture<Integer>> futures = new ArrayList<>();
                for (int i = 0; i < 3 + wave % 7; i++) {
                    futures.add(batcher.submit(i, 1));
                }
                CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            }
        }
        // The real time the batcher's own work takes (microseconds) adds a little to each measured batch.
        assertEquals(6 * MS, sizing.predictNanos(8), 0.5 * MS, "learned c(8) from " + sizes);
        int rows = sizing.policy(1).maxBatchRows();
        assertTrue(rows >= 13 && rows <= 16, "16 rows for exact timings, a little less with the batcher's own: " + rows);
        assertTrue(2 * sizing.predictNanos(rows) <= 20 * MS);
    }
}

package dev.umbra.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The threaded batcher: batching under load, the max wait, failure isolation and both ways of stopping. */
class DynamicBatcherTest {

    private static final long BOUND_S = 10;

    /** Records each batch and answers each item with its payload and the batch sequence. */
    private static final class Recorder implements BatchProcessor<String, String> {
        final List<Batch<String>> batches = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        final CountDownLatch firstBatchStarted = new CountDownLatch(1);
        final CountDownLatch releaseFirstBatch;

        Recorder(boolean holdFirstBatch) {
            releaseFirstBatch = new CountDownLatch(holdFirstBatch ? 1 : 0);
        }

        @Override
        public List<String> process(Batch<String> batch) throws Exception {
            batches.add(batch);
            threads.add(Thread.currentThread().getName());
            firstBatchStarted.countDown();
            assertTrue(releaseFirstBatch.await(BOUND_S, TimeUnit.SECONDS));
            return batch.items().stream().map(i -> i.payload() + "@" + batch.sequence()).toList();
        }
    }

    @Test
    void batchesLargerThanOneFormUnderLoadOnTheNamedThread() throws Exception {
        Recorder recorder = new Recorder(true);
        // A long delay: only full batches (or the drain) can make these batches run.
        try (DynamicBatcher<String, String> batcher =
                DynamicBatcher.start("test-batcher", new BatchPolicy(4, 60_000), recorder)) {
            CompletableFuture<String> first = batcher.submit("big", 4);
            assertTrue(recorder.firstBatchStarted.await(BOUND_S, TimeUnit.SECONDS));
            // While the model is busy, eight one-row requests queue up...
            List<CompletableFuture<String>> rest = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                rest.add(batcher.submit("r" + i, 1));
            }
            assertEquals(8, batcher.queuedRows());
            recorder.releaseFirstBatch.countDown();
            // ...and run as two full batches of four, in order.
            assertEquals("big@1", first.get(BOUND_S, TimeUnit.SECONDS));
            for (int i = 0; i < 8; i++) {
                assertEquals("r" + i + "@" + (2 + i / 4), rest.get(i).get(BOUND_S, TimeUnit.SECONDS));
            }
            assertEquals(List.of(4, 4, 4), recorder.batches.stream().map(Batch::rows).toList());
            assertEquals(List.of(1, 4, 4), recorder.batches.stream().map(b -> b.items().size()).toList());
            assertTrue(recorder.threads.stream().allMatch("test-batcher"::equals), recorder.threads.toString());
        }
    }

    @Test
    void withTwoLanesABatchRunsWhileAnotherIsHeldAndWithOneItWaits() throws Exception {
        for (int lanes : new int[] {1, 2}) {
            CountDownLatch firstStarted = new CountDownLatch(1);
            CountDownLatch releaseFirst = new CountDownLatch(1);
            List<String> threads = new CopyOnWriteArrayList<>();
            BatchProcessor<String, String> processor = batch -> {
                threads.add(Thread.currentThread().getName());
                if (batch.items().get(0).payload().equals("held")) {
                    firstStarted.countDown();
                    try {
                        releaseFirst.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return batch.items().stream().map(i -> i.payload().toUpperCase()).toList();
            };
            try (DynamicBatcher<String, String> batcher = DynamicBatcher.start("lanes", BatchSizing.fixed(
                    new BatchPolicy(1, 0)), processor, System::nanoTime, lanes)) {
                assertEquals(lanes, batcher.lanes());
                CompletableFuture<String> held = batcher.submit("held", 1);
                assertTrue(firstStarted.await(10, TimeUnit.SECONDS));
                CompletableFuture<String> next = batcher.submit("next", 1);
                if (lanes == 2) {
                    assertEquals("NEXT", next.get(10, TimeUnit.SECONDS), "ran beside the held batch");
                    assertTrue(!held.isDone());
                    assertEquals(List.of("lanes-1", "lanes-2"), threads.stream().sorted().toList());
                } else {
                    assertThrows(TimeoutException.class, () -> next.get(300, TimeUnit.MILLISECONDS),
                            "one lane: the next batch waits behind the held one");
                }
                releaseFirst.countDown();
                assertEquals("HELD", held.get(10, TimeUnit.SECONDS));
                assertEquals("NEXT", next.get(10, TimeUnit.SECONDS));
                assertEquals(2, batcher.batchesRun());
            }
        }
    }

    @Test
    void loneRequestRunsAfterTheMaxWait() throws Exception {
        Recorder recorder = new Recorder(false);
        long delayMs = 50;
        try (DynamicBatcher<String, String> batcher =
                DynamicBatcher.start("lone", new BatchPolicy(8, delayMs), recorder)) {
            assertEquals("alone@1", batcher.submit("alone", 1).get(BOUND_S, TimeUnit.SECONDS));
            Batch<String> batch = recorder.batches.get(0);
            long waited = batch.startedAtNanos() - batch.items().get(0).enqueuedAtNanos();
            assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(delayMs), "ran after " + waited + " ns");
        }
    }

    @Test
    void heavyRequestRunsAloneAndIsNeverSplit() throws Exception {
        Recorder recorder = new Recorder(true);
        try (DynamicBatcher<String, String> batcher =
                DynamicBatcher.start("heavy", new BatchPolicy(4, 60_000), recorder)) {
            batcher.submit("hold", 4);
            assertTrue(recorder.firstBatchStarted.await(BOUND_S, TimeUnit.SECONDS));
            CompletableFuture<String> small = batcher.submit("small", 1);
            CompletableFuture<String> heavy = batcher.submit("heavy", 6);
            CompletableFuture<String> after = batcher.submit("after", 3);
            recorder.releaseFirstBatch.countDown();
            assertEquals("small@2", small.get(BOUND_S, TimeUnit.SECONDS));
            assertEquals("heavy@3", heavy.get(BOUND_S, TimeUnit.SECONDS));
            batcher.close(); // "after" (3 rows of 4) would otherwise wait the full minute
            assertEquals("after@4", after.get(BOUND_S, TimeUnit.SECONDS));
            assertEquals(List.of(4, 1, 6, 3), recorder.batches.stream().map(Batch::rows).toList());
        }
    }

    @Test
    void failedBatchFailsItsItemsOnlyAndTheBatcherGoesOn() throws Exception {
        BatchProcessor<String, String> processor = batch -> {
            if (batch.items().get(0).payload().equals("boom")) {
                throw new IllegalStateException("model exploded");
            }
            return batch.items().stream().map(BatchItem::payload).toList();
        };
        try (DynamicBatcher<String, String> batcher = DynamicBatcher.start("fail", new BatchPolicy(1, 0), processor)) {
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> batcher.submit("boom", 1).get(BOUND_S, TimeUnit.SECONDS));
            BatchFailedException cause = assertInstanceOf(BatchFailedException.class, failed.getCause());
            assertTrue(cause.getMessage().contains("model exploded"), cause.getMessage());
            assertEquals(1, cause.batchSequence());
            assertEquals("fine", batcher.submit("fine", 1).get(BOUND_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void processorReturningTheWrongNumberOfResultsFailsTheBatch() {
        try (DynamicBatcher<String, String> batcher =
                DynamicBatcher.start("wrong", new BatchPolicy(1, 0), batch -> List.of())) {
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> batcher.submit("x", 1).get(BOUND_S, TimeUnit.SECONDS));
            assertTrue(failed.getCause().getMessage().contains("returned 0 results for 1 items"),
                    failed.getCause().getMessage());
        }
    }

    @Test
    void closeDrainsQueuedWorkWithoutWaitingTheDelayThenRefusesMore() throws Exception {
        Recorder recorder = new Recorder(false);
        DynamicBatcher<String, String> batcher = DynamicBatcher.start("drain", new BatchPolicy(8, 600_000), recorder);
        CompletableFuture<String> a = batcher.submit("a", 1);
        CompletableFuture<String> b = batcher.submit("b", 2);
        batcher.close();
        // close() returned, so the drain is over: both answered without the ten-minute delay.
        assertEquals("a@1", a.getNow(null));
        assertEquals("b@1", b.getNow(null));
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> batcher.submit("late", 1).get(BOUND_S, TimeUnit.SECONDS));
        assertInstanceOf(BatcherClosedException.class, refused.getCause());
    }

    @Test
    void shutdownNowFailsQueuedWorkWithATypedExceptionAndLetsTheRunningBatchFinish() throws Exception {
        Recorder recorder = new Recorder(true);
        DynamicBatcher<String, String> batcher = DynamicBatcher.start("abort", new BatchPolicy(2, 600_000), recorder);
        CompletableFuture<String> running = batcher.submit("running", 2);
        assertTrue(recorder.firstBatchStarted.await(BOUND_S, TimeUnit.SECONDS));
        CompletableFuture<String> queued = batcher.submit("queued", 1);
        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(batcher::shutdownNow);
        ExecutionException dropped = assertThrows(ExecutionException.class,
                () -> queued.get(BOUND_S, TimeUnit.SECONDS));
        assertInstanceOf(BatcherClosedException.class, dropped.getCause());
        assertThrows(TimeoutException.class, () -> shutdown.get(50, TimeUnit.MILLISECONDS),
                "shutdownNow waits for the running batch");
        recorder.releaseFirstBatch.countDown();
        shutdown.get(BOUND_S, TimeUnit.SECONDS);
        assertEquals("running@1", running.get(BOUND_S, TimeUnit.SECONDS));
        assertEquals(1, batcher.batchesRun());
    }
}

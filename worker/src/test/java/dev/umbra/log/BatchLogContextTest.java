package dev.umbra.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.umbra.batch.Batch;
import dev.umbra.batch.BatchPolicy;
import dev.umbra.batch.BatchProcessor;
import dev.umbra.batch.DynamicBatcher;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The batcher runs each batch, and its items' dependent actions, with the batch's id in the MDC. */
class BatchLogContextTest {

    @Test
    void aBatchRunsWithItsIdAndLeavesNothingBehind() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (DynamicBatcher<String, String> batcher = DynamicBatcher.start("ids", new BatchPolicy(1, 0), batch -> {
            gate.await();
            return List.of(MDC.get(LogContext.BATCH_ID));
        })) {
            CompletableFuture<String> result = batcher.submit("a", 1);
            // Registered before the batch completes, so it runs on the batcher's thread, inside the scope.
            CompletableFuture<String> dependent = result.thenApply(id -> MDC.get(LogContext.BATCH_ID));
            gate.countDown();
            // Joined first: a thread that waits on result itself may run result's dependents once woken.
            assertEquals("1", dependent.join());
            assertEquals("1", result.join(), "by default the batch's sequence number");
            assertNull(batcher.submit("b", 1).thenApplyAsync(id -> MDC.get(LogContext.BATCH_ID)).join(),
                    "other threads are not touched");
            assertEquals("3", batcher.submit("c", 1).join());
        }
    }

    @Test
    void aProcessorNamesItsBatches() {
        BatchProcessor<String, String> named = new BatchProcessor<>() {
            @Override
            public List<String> process(Batch<String> batch) {
                return List.of(MDC.get(LogContext.BATCH_ID));
            }

            @Override
            public String batchId(Batch<String> batch) {
                return "worker-1-" + batch.sequence();
            }
        };
        try (DynamicBatcher<String, String> batcher = DynamicBatcher.start("named", new BatchPolicy(1, 0), named)) {
            assertEquals("worker-1-1", batcher.submit("a", 1).join());
        }
    }
}

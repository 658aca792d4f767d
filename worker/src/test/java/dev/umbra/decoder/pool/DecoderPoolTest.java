package dev.umbra.decoder.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.decoder.DecodeRequest;
import dev.umbra.decoder.DecodedImage;
import dev.umbra.decoder.ImageDecoder;
import dev.umbra.decoder.shapes.ShapesImageDecoder;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.RuntimeOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The pool's queueing, batching, saturation, failure isolation and closing, with a decoder whose speed and failures
 * the test controls (a gate it waits on; a poisoned embedding it refuses), and once with the real shapes decoder.
 */
class DecoderPoolTest {

    /** Paints a 2x2 picture whose pixels are the request's seed; waits on a gate; refuses a NaN embedding. */
    static final class GatedDecoder implements ImageDecoder {
        final CountDownLatch gate;
        final List<Integer> callSizes;
        final AtomicInteger closes;
        final AtomicInteger flaky;

        GatedDecoder(CountDownLatch gate, List<Integer> callSizes, AtomicInteger closes, AtomicInteger flaky) {
            this.gate = gate;
            this.callSizes = callSizes;
            this.closes = closes;
            this.flaky = flaky;
        }

        @Override
        public List<DecodedImage> decode(List<DecodeRequest> requests) {
            try {
                assertTrue(gate.await(10, TimeUnit.SECONDS), "the test never opened the gate");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            synchronized (callSizes) {
                callSizes.add(requests.size());
            }
            List<DecodedImage> out = new ArrayList<>();
            for (DecodeRequest r : requests) {
                if (Float.isNaN(r.imageEmbedding()[0])) {
                    throw new IllegalArgumentException("embedding of seed " + r.seed() + " is not a number");
                }
                if (r.seed() == 13 && flaky.getAndDecrement() > 0) {
                    throw new IllegalStateException("a passing failure");
                }
                int v = (int) r.seed();
                out.add(new DecodedImage(2, 2, new int[] {v, v, v, v}));
            }
            return out;
        }

        @Override
        public int embeddingDim() {
            return 4;
        }

        @Override
        public String identity() {
            return "gated";
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    private final List<Integer> callSizes = new ArrayList<>();
    private final AtomicInteger closes = new AtomicInteger();
    private final AtomicInteger flaky = new AtomicInteger();

    private DecoderPool pool(CountDownLatch gate, DecoderPool.Settings settings) {
        return DecoderPool.start("test-decoder", settings, () -> new GatedDecoder(gate, callSizes, closes, flaky));
    }

    private static List<DecodeRequest> requests(long... seeds) {
        List<DecodeRequest> out = new ArrayList<>();
        for (long s : seeds) {
            out.add(new DecodeRequest(new float[] {1, 0, 0, 0}, null, s));
        }
        return out;
    }

    private static int seedOf(DecodedImage image) {
        return image.rgb()[0];
    }

    @Test
    void queuedTasksAreBatchedAndEachGetsItsOwnImagesInOrder() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (DecoderPool pool = pool(gate, new DecoderPool.Settings(1, 100, 100, 8, 1))) {
            List<CompletableFuture<List<DecodedImage>>> futures = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                futures.add(pool.submit(requests(10 * t, 10 * t + 1)));
            }
            gate.countDown();
            for (int t = 0; t < 6; t++) {
                List<DecodedImage> images = futures.get(t).get(10, TimeUnit.SECONDS);
                assertEquals(List.of(10 * t, 10 * t + 1), images.stream().map(DecoderPoolTest::seedOf).toList());
            }
            PoolStats stats = pool.stats();
            assertEquals(12, stats.decodedImages());
            // the first call took one task alone (the others came while it waited); the rest went 8 images at most
            assertTrue(callSizes.stream().allMatch(n -> n <= 8), callSizes.toString());
            assertTrue(callSizes.size() <= 3, "queued tasks share decoder calls: " + callSizes);
            assertEquals(0, pool.queuedImages());
            assertEquals("gated", pool.identity());
        }
        assertEquals(1, closes.get(), "the worker closes its decoder");
    }

    @Test
    void aSlowDecoderSaturatesThePoolAndItDrains() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (DecoderPool pool = pool(gate, new DecoderPool.Settings(1, 4, 6, 2, 1))) {
            CompletableFuture<List<DecodedImage>> a = pool.submit(requests(1, 2));
            assertFalse(pool.saturated());
            CompletableFuture<List<DecodedImage>> b = pool.submit(requests(3, 4));
            assertTrue(pool.saturated(), "4 images queued of a bound of 4");
            CompletableFuture<List<DecodedImage>> c = pool.submit(requests(5, 6));
            PoolFullException full = assertThrows(PoolFullException.class, () -> pool.submit(requests(7)));
            assertTrue(full.getMessage().contains("capacity of 6"), full.getMessage());
            assertEquals(6, pool.stats().maxQueuedImages());
            gate.countDown();
            CompletableFuture.allOf(a, b, c).get(10, TimeUnit.SECONDS);
            assertFalse(pool.saturated());
            assertEquals(0, pool.queuedImages());
            assertEquals(List.of(2, 2, 2), callSizes, "batches of at most 2 images");
        }
    }

    @Test
    void aTaskLargerThanTheCapacityIsTakenWhenAlone() throws Exception {
        CountDownLatch gate = new CountDownLatch(0);
        try (DecoderPool pool = pool(gate, new DecoderPool.Settings(1, 2, 2, 8, 1))) {
            assertEquals(5, pool.submit(requests(1, 2, 3, 4, 5)).get(10, TimeUnit.SECONDS).size());
        }
    }

    @Test
    void aFailingTaskFailsAloneWithItsReasonAndTheOthersOfItsBatchComplete() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (DecoderPool pool = pool(gate, new DecoderPool.Settings(1, 100, 100, 16, 2))) {
            CompletableFuture<List<DecodedImage>> blocker = pool.submit(requests(0));
            CompletableFuture<List<DecodedImage>> good = pool.submit(requests(1, 2));
            CompletableFuture<List<DecodedImage>> bad = pool.submit(List.of(
                    new DecodeRequest(new float[] {Float.NaN, 0, 0, 0}, null, 3)));
            CompletableFuture<List<DecodedImage>> alsoGood = pool.submit(requests(4));
            gate.countDown();
            blocker.get(10, TimeUnit.SECONDS);
            assertEquals(List.of(1, 2), good.get(10, TimeUnit.SECONDS).stream().map(DecoderPoolTest::seedOf).toList());
            assertEquals(List.of(4), alsoGood.get(10, TimeUnit.SECONDS).stream().map(DecoderPoolTest::seedOf).toList());
            ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(10, TimeUnit.SECONDS));
            assertInstanceOf(DecodeFailedException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("after 2 attempt(s)")
                    && e.getCause().getMessage().contains("seed 3 is not a number"), e.getCause().getMessage());
            assertEquals(1, pool.stats().failedTasks());
        }
    }

    @Test
    void aPassingFailureIsRetried() throws Exception {
        flaky.set(2);   // seed 13 fails twice: once in the first call, once alone; the third attempt succeeds
        try (DecoderPool pool = pool(new CountDownLatch(0), new DecoderPool.Settings(1, 10, 10, 8, 3))) {
            assertEquals(13, seedOf(pool.submit(requests(13)).get(10, TimeUnit.SECONDS).get(0)));
            assertEquals(0, pool.stats().failedTasks());
            assertEquals(3, pool.stats().decoderCalls());
        }
    }

    @Test
    void closingFailsWhatIsQueuedAndClosesEveryDecoder() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        DecoderPool pool = pool(gate, new DecoderPool.Settings(2, 100, 100, 1, 1));
        List<CompletableFuture<List<DecodedImage>>> futures = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            futures.add(pool.submit(requests(i)));
        }
        Thread opener = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            gate.countDown();
        });
        opener.start();
        pool.close();
        opener.join();
        int decoded = 0;
        int refused = 0;
        for (CompletableFuture<List<DecodedImage>> f : futures) {
            assertTrue(f.isDone(), "every task ends when the pool closes");
            if (f.isCompletedExceptionally()) {
                ExecutionException e = assertThrows(ExecutionException.class, f::get);
                assertInstanceOf(PoolClosedException.class, e.getCause());
                refused++;
            } else {
                decoded++;
            }
        }
        assertEquals(6, decoded + refused);
        assertTrue(refused >= 4, "the two calls in progress finish; the rest are refused: " + refused);
        assertEquals(2, closes.get());
        assertThrows(PoolClosedException.class, () -> pool.submit(requests(9)));
    }

    @Test
    void aFactoryThatFailsStopsTheStart() {
        AtomicInteger made = new AtomicInteger();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DecoderPool.start("broken",
                new DecoderPool.Settings(2, 4, 4, 1, 1), () -> {
                    if (made.incrementAndGet() == 2) {
                        throw new IllegalStateException("no weights here");
                    }
                    return new GatedDecoder(new CountDownLatch(0), callSizes, closes, flaky);
                }));
        assertEquals("no weights here", e.getMessage());
        assertEquals(1, closes.get(), "the decoder that did load is closed");
    }

    @Test
    void theShapesDecoderDrawsTheSamePicturesInThePoolAsAlone() throws Exception {
        var dir = EmbeddedModels.defaultModelDir();
        RuntimeOptions cpu = new RuntimeOptions("cpu", "auto", 0);
        ShapesImageDecoder.Sampling sampling = new ShapesImageDecoder.Sampling(1f, 2);
        float[] embedding = new float[64];
        for (int i = 0; i < embedding.length; i++) {
            embedding[i] = (float) Math.sin(i);
        }
        List<DecodeRequest> asked = List.of(new DecodeRequest(embedding, null, 5), new DecodeRequest(embedding, null, 6));
        List<DecodedImage> alone;
        try (ShapesImageDecoder d = ShapesImageDecoder.load(dir.resolve("decoder"), dir.resolve("image_encoder"), cpu,
                sampling)) {
            alone = d.decode(asked);
        }
        try (DecoderPool pool = DecoderPool.start("shapes", new DecoderPool.Settings(2, 8, 8, 4, 1),
                () -> ShapesImageDecoder.load(dir.resolve("decoder"), dir.resolve("image_encoder"), cpu, sampling))) {
            List<DecodedImage> pooled = pool.submit(asked).get(60, TimeUnit.SECONDS);
            for (int i = 0; i < 2; i++) {
                assertEquals(64, pooled.get(i).width());
                assertTrue(java.util.Arrays.equals(alone.get(i).rgb(), pooled.get(i).rgb()), "image " + i);
            }
            assertFalse(java.util.Arrays.equals(pooled.get(0).rgb(), pooled.get(1).rgb()), "two seeds, two pictures");
            PoolStats stats = pool.stats();
            assertTrue(stats.utilization() > 0 && stats.utilization() <= 1, stats.toString());
            assertTrue(pool.identity().startsWith("shapes-decoder:"), pool.identity());
        }
    }
}

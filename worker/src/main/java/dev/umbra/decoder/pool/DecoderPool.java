package dev.umbra.decoder.pool;

import dev.umbra.decoder.DecodeRequest;
import dev.umbra.decoder.DecodedImage;
import dev.umbra.decoder.ImageDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * N decoder workers behind one queue. Each worker is a thread that owns its own {@link ImageDecoder} (made by the
 * factory on that thread, closed by it when the pool closes), takes as many queued tasks as fit in one decoder batch,
 * and decodes them in one call. A task is one request's images; it completes with them in order, or fails with a
 * {@link DecodeFailedException} naming the reason, without touching the other tasks of its batch.
 *
 * <p>The queue is bounded twice. {@link #saturated()} turns true at {@code queueBound} queued images: the caller
 * (the Kafka edge) then stops fetching, so backpressure reaches the broker. A hard capacity refuses a task outright
 * ({@link PoolFullException}); a caller that pauses on saturation never reaches it.
 *
 * <p>Thread-safe: submit from any thread; futures complete on a worker thread.
 */
public final class DecoderPool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DecoderPool.class);
    private static final long POLL_MILLIS = 50;

    /**
     * @param workers      decoder threads, each with its own decoder
     * @param queueBound   queued images at which the pool reports itself saturated
     * @param capacity     queued images beyond which a task is refused (at least queueBound)
     * @param maxBatch     images per decoder call
     * @param attempts     tries of a task that fails alone before it fails for good (at least 1)
     */
    public record Settings(int workers, int queueBound, int capacity, int maxBatch, int attempts) {
        public Settings {
            if (workers < 1) {
                throw new IllegalArgumentException("a decoder pool needs at least 1 worker (got " + workers + ")");
            }
            if (queueBound < 1) {
                throw new IllegalArgumentException("the decode queue bound must be at least 1 (got " + queueBound + ")");
            }
            if (capacity < queueBound) {
                throw new IllegalArgumentException("the decode queue capacity " + capacity
                        + " is below its bound " + queueBound);
            }
            if (maxBatch < 1) {
                throw new IllegalArgumentException("the decode batch must be at least 1 image (got " + maxBatch + ")");
            }
            if (attempts < 1) {
                throw new IllegalArgumentException("decode attempts must be at least 1 (got " + attempts + ")");
            }
        }
    }

    private record Task(List<DecodeRequest> requests, CompletableFuture<List<DecodedImage>> result, long queuedAt) {}

    private final Settings settings;
    private final String name;
    private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch started;
    private final AtomicInteger queuedImages = new AtomicInteger();
    private final AtomicInteger maxQueuedImages = new AtomicInteger();
    private final AtomicLong busyNanos = new AtomicLong();
    private final AtomicLong decodedImages = new AtomicLong();
    private final AtomicLong decoderCalls = new AtomicLong();
    private final AtomicLong failedTasks = new AtomicLong();
    private final AtomicLong takenTasks = new AtomicLong();
    private final AtomicLong waitNanos = new AtomicLong();
    private final long startedAt = System.nanoTime();
    private volatile String identity;
    private volatile String weightsSha256 = "";
    private volatile int embeddingDim;
    private volatile RuntimeException startFailure;
    private volatile boolean closed;
    private AutoCloseable shared;

    private DecoderPool(String name, Settings settings) {
        this.name = name;
        this.settings = settings;
        this.started = new CountDownLatch(settings.workers());
    }

    /**
     * Starts the workers and waits until each has made its decoder.
     *
     * @throws RuntimeException what the factory threw, after the workers that did start are stopped
     */
    public static DecoderPool start(String name, Settings settings, Supplier<? extends ImageDecoder> factory) {
        return start(name, settings, factory, null);
    }

    /**
     * As {@link #start(String, Settings, Supplier)}, for decoders that share one resource (an HTTP client): the pool
     * owns {@code shared} and closes it after its workers have stopped.
     */
    public static DecoderPool start(String name, Settings settings, Supplier<? extends ImageDecoder> factory,
            AutoCloseable shared) {
        Objects.requireNonNull(factory, "factory");
        DecoderPool pool = new DecoderPool(name, settings);
        pool.shared = shared;
        for (int i = 0; i < settings.workers(); i++) {
            Thread t = new Thread(() -> pool.work(factory), name + "-" + i);
            t.setDaemon(true);
            pool.threads.add(t);
            t.start();
        }
        try {
            pool.started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.close();
            throw new IllegalStateException("interrupted while the decoders loaded", e);
        }
        if (pool.startFailure != null) {
            pool.close();
            throw pool.startFailure;
        }
        return pool;
    }

    /**
     * Queues one request's images.
     *
     * @throws PoolFullException   past the hard capacity (a task alone in the queue is always taken, however large)
     * @throws PoolClosedException once the pool is closing
     */
    public CompletableFuture<List<DecodedImage>> submit(List<DecodeRequest> requests) {
        if (closed) {
            throw new PoolClosedException("the decoder pool " + name + " is closed");
        }
        int n = requests.size();
        int now = queuedImages.addAndGet(n);
        if (now > settings.capacity() && now > n) {
            queuedImages.addAndGet(-n);
            throw new PoolFullException("the decoder pool " + name + " holds " + (now - n) + " images; " + n
                    + " more would pass its capacity of " + settings.capacity());
        }
        maxQueuedImages.accumulateAndGet(now, Math::max);
        CompletableFuture<List<DecodedImage>> result = new CompletableFuture<>();
        if (n == 0) {
            result.complete(List.of());
            return result;
        }
        queue.add(new Task(List.copyOf(requests), result, System.nanoTime()));
        return result;
    }

    /** True while at least {@code queueBound} images wait or are being decoded. */
    public boolean saturated() {
        return queuedImages.get() >= settings.queueBound();
    }

    /** Images queued or in a decoder call now. */
    public int queuedImages() {
        return queuedImages.get();
    }

    public Settings settings() {
        return settings;
    }

    /** SHA-256 of the decoders' weights, or empty when unknown (see {@link ImageDecoder#weightsSha256()}). */
    public String weightsSha256() {
        return weightsSha256;
    }

    /** The decoders' identity (all workers run the same decoder). */
    public String identity() {
        return identity;
    }

    public int embeddingDim() {
        return embeddingDim;
    }

    /** What the pool has done since it started. */
    public PoolStats stats() {
        double elapsed = (System.nanoTime() - startedAt) * (double) settings.workers();
        long taken = takenTasks.get();
        return new PoolStats(settings.workers(), queuedImages.get(), maxQueuedImages.get(), decodedImages.get(),
                decoderCalls.get(), failedTasks.get(), taken == 0 ? 0 : waitNanos.get() / 1e6 / taken,
                busyNanos.get() / 1e6,
                elapsed <= 0 ? 0 : Math.min(1, busyNanos.get() / elapsed));
    }

    private void work(Supplier<? extends ImageDecoder> factory) {
        ImageDecoder decoder;
        try {
            decoder = factory.get();
            identity = decoder.identity();
            weightsSha256 = decoder.weightsSha256();
            embeddingDim = decoder.embeddingDim();
        } catch (RuntimeException e) {
            startFailure = e;
            started.countDown();
            return;
        }
        started.countDown();
        try (decoder) {
            while (!closed) {
                Task first = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<Task> batch = new ArrayList<>();
                batch.add(first);
                int images = first.requests().size();
                for (Task next = queue.peek(); next != null && images + next.requests().size() <= settings.maxBatch();
                        next = queue.peek()) {
                    // Another worker may take it between peek and poll; then take whatever is next.
                    Task taken = queue.poll();
                    if (taken == null) {
                        break;
                    }
                    batch.add(taken);
                    images += taken.requests().size();
                }
                run(decoder, batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("decoder worker {} stopped: {}", Thread.currentThread().getName(), e.toString());
        }
    }

    private void run(ImageDecoder decoder, List<Task> batch) {
        long now = System.nanoTime();
        for (Task t : batch) {
            takenTasks.incrementAndGet();
            waitNanos.addAndGet(now - t.queuedAt());
        }
        List<DecodeRequest> all = new ArrayList<>();
        batch.forEach(t -> all.addAll(t.requests()));
        try {
            List<DecodedImage> images = timed(decoder, all);
            int at = 0;
            for (Task t : batch) {
                int n = t.requests().size();
                finish(t, List.copyOf(images.subList(at, at + n)), null);
                at += n;
            }
        } catch (RuntimeException e) {
            if (batch.size() > 1) {
                LOG.warn("a decoder batch of {} tasks failed ({}); decoding them one by one", batch.size(), e.toString());
            }
            // One bad task must not fail its neighbours: each runs alone, up to the allowed attempts.
            for (Task t : batch) {
                runAlone(decoder, t, batch.size() > 1 ? 0 : 1, e);
            }
        }
    }

    private void runAlone(ImageDecoder decoder, Task t, int tried, RuntimeException last) {
        for (int attempt = tried; attempt < settings.attempts(); attempt++) {
            try {
                finish(t, timed(decoder, t.requests()), null);
                return;
            } catch (RuntimeException e) {
                last = e;
            }
        }
        failedTasks.incrementAndGet();
        finish(t, null, new DecodeFailedException("decoding failed after " + settings.attempts() + " attempt(s): "
                + last, last));
    }

    private List<DecodedImage> timed(ImageDecoder decoder, List<DecodeRequest> requests) {
        long t0 = System.nanoTime();
        try {
            List<DecodedImage> images = decoder.decode(requests);
            if (images == null || images.size() != requests.size()) {
                throw new IllegalStateException("the decoder returned " + (images == null ? "nothing" : images.size()
                        + " images") + " for " + requests.size() + " requests");
            }
            decodedImages.addAndGet(images.size());
            return images;
        } finally {
            decoderCalls.incrementAndGet();
            busyNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    private void finish(Task t, List<DecodedImage> images, Throwable error) {
        queuedImages.addAndGet(-t.requests().size());
        if (error == null) {
            t.result().complete(images);
        } else {
            t.result().completeExceptionally(error);
        }
    }

    /** Stops the workers after their current call, fails what is still queued, and closes every decoder. */
    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Task t; (t = queue.poll()) != null; ) {
            finish(t, null, new PoolClosedException("the decoder pool " + name + " closed before this was decoded"));
        }
        if (shared != null) {
            try {
                shared.close();
            } catch (Exception e) {
                LOG.warn("closing the decoders' shared {} failed: {}", shared, e.toString());
            }
            shared = null;
        }
    }
}

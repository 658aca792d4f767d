package dev.umbra.batch;

import dev.umbra.log.LogContext;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups submitted items into batches by a {@link BatchPolicy} and runs each batch on a dedicated, named thread that
 * the batcher owns: one by default, or several lanes, each forming and running its own batches from the one queue.
 *
 * <p>Threading: {@link #submit} may be called from any thread and never blocks on a running batch. Batches run one at
 * a time on each lane's thread; each item's future is completed there, so dependent actions that are not async run
 * on that thread too and should be short (hand off to your own executor or event loop). With several lanes, batches
 * run side by side and may finish out of order; the processor must be safe to call from several threads.
 *
 * <p>Lifecycle: {@link #start} starts the thread. {@link #close()} stops accepting items, runs everything still
 * queued at once (without waiting for the delay) and stops the thread. {@link #shutdownNow()} stops accepting items,
 * fails the queued ones with {@link BatcherClosedException}, lets the running batch finish and stops the thread.
 *
 * <pre>{@code
 * try (DynamicBatcher<String, Integer> batcher = DynamicBatcher.start("lengths", BatchPolicy.defaults(),
 *         batch -> batch.items().stream().map(item -> item.payload().length()).toList())) {
 *     int length = batcher.submit("hello", 1).join();
 * }
 * }</pre>
 *
 * @param <T> the submitted item type
 * @param <R> the per-item result type
 */
public final class DynamicBatcher<T, R> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);

    private enum State { RUNNING, DRAINING, STOPPED }

    private record Pending<T, R>(BatchItem<T> item, CompletableFuture<R> future) {}

    private final String name;
    private final BatchSizing sizing;
    private final BatchProcessor<T, R> processor;
    private final LongSupplier nanoClock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Thread> threads = new ArrayList<>();

    // Guarded by lock.
    private final ArrayDeque<Pending<T, R>> queue = new ArrayDeque<>();
    private int queuedRows;
    private State state = State.RUNNING;
    // The policy the last batch was formed by.
    private BatchPolicy policy;

    // Guarded by lock: the sequence number of the last batch formed.
    private long batchesFormed;
    private final AtomicLong batchesRun = new AtomicLong();

    private DynamicBatcher(String name, BatchSizing sizing, BatchProcessor<T, R> processor, LongSupplier nanoClock,
            int lanes) {
        this.name = Objects.requireNonNull(name, "name");
        this.sizing = Objects.requireNonNull(sizing, "sizing");
        this.policy = sizing.policy(0);
        this.processor = Objects.requireNonNull(processor, "processor");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        if (lanes < 1) {
            throw new IllegalArgumentException("a batcher needs at least one lane (got " + lanes + ")");
        }
        for (int i = 0; i < lanes; i++) {
            Thread thread = new Thread(this::loop, lanes == 1 ? name : name + "-" + (i + 1));
            // Daemon: an owner that forgets close() must not keep the JVM alive; close() is still the way to stop it.
            thread.setDaemon(true);
            threads.add(thread);
        }
    }

    /**
     * Creates a batcher and starts its thread.
     *
     * @param threadName name of the batcher's thread (shows in thread dumps and logs)
     */
    public static <T, R> DynamicBatcher<T, R> start(String threadName, BatchPolicy policy, BatchProcessor<T, R> processor) {
        return start(threadName, policy, processor, System::nanoTime);
    }

    /** As {@link #start(String, BatchPolicy, BatchProcessor)}, with the clock used for arrival and batch times. */
    public static <T, R> DynamicBatcher<T, R> start(
            String threadName, BatchPolicy policy, BatchProcessor<T, R> processor, LongSupplier nanoClock) {
        return start(threadName, BatchSizing.fixed(policy), processor, nanoClock);
    }

    /**
     * A batcher whose policy {@code sizing} chooses before each batch (and learns from each batch's time), e.g. an
     * {@link AdaptiveBatchSizing}.
     */
    public static <T, R> DynamicBatcher<T, R> start(
            String threadName, BatchSizing sizing, BatchProcessor<T, R> processor, LongSupplier nanoClock) {
        return start(threadName, sizing, processor, nanoClock, 1);
    }

    /**
     * As {@link #start(String, BatchSizing, BatchProcessor, LongSupplier)} with {@code lanes} threads forming and
     * running batches side by side: while one lane runs a batch, the next can start on another core instead of
     * waiting behind it.
     */
    public static <T, R> DynamicBatcher<T, R> start(String threadName, BatchSizing sizing,
            BatchProcessor<T, R> processor, LongSupplier nanoClock, int lanes) {
        DynamicBatcher<T, R> batcher = new DynamicBatcher<>(threadName, sizing, processor, nanoClock, lanes);
        batcher.threads.forEach(Thread::start);
        return batcher;
    }

    /**
     * Queues an item.
     *
     * @param rows its weight, at least 1
     * @return its result; fails with {@link BatchFailedException} when its batch failed, or with
     *         {@link BatcherClosedException} when the batcher is closed or was shut down before the item ran
     */
    public CompletableFuture<R> submit(T payload, int rows) {
        Pending<T, R> pending = new Pending<>(new BatchItem<>(payload, rows, nanoClock.getAsLong()), new CompletableFuture<>());
        lock.lock();
        try {
            if (state != State.RUNNING) {
                return CompletableFuture.failedFuture(
                        new BatcherClosedException("batcher '" + name + "' is closed; the item was not queued"));
            }
            queue.addLast(pending);
            queuedRows += rows;
            sizing.arrived(rows, pending.item().enqueuedAtNanos());
            changed.signal();
        } finally {
            lock.unlock();
        }
        return pending.future();
    }

    /** Rows waiting to be batched (not counting the batch that is running). */
    public int queuedRows() {
        lock.lock();
        try {
            return queuedRows;
        } finally {
            lock.unlock();
        }
    }

    /** Batches processed so far, failed ones included. */
    public long batchesRun() {
        return batchesRun.get();
    }

    /** How many batches may run at once. */
    public int lanes() {
        return threads.size();
    }

    /** The policy the latest batch was formed by (fixed unless the sizing adapts). */
    public BatchPolicy policy() {
        lock.lock();
        try {
            return policy;
        } finally {
            lock.unlock();
        }
    }

    /** Stops accepting items, runs everything queued without waiting for the delay, and stops the thread. */
    @Override
    public void close() {
        stop(State.DRAINING);
    }

    /** Stops accepting items, fails queued ones with {@link BatcherClosedException}; the running batch finishes. */
    public void shutdownNow() {
        stop(State.STOPPED);
    }

    private void stop(State target) {
        List<Pending<T, R>> dropped = new ArrayList<>();
        lock.lock();
        try {
            if (state.ordinal() < target.ordinal()) {
                state = target;
            }
            if (state == State.STOPPED) {
                dropped.addAll(queue);
                queue.clear();
                queuedRows = 0;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Pending<T, R> p : dropped) {
            p.future().completeExceptionally(new BatcherClosedException(
                    "batcher '" + name + "' was shut down before this item ran"));
        }
        for (Thread thread : threads) {
            if (Thread.currentThread() == thread) {
                continue;
            }
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (target != State.STOPPED) {
                    stop(State.STOPPED);
                }
                return;
            }
        }
    }

    private record Formed<T, R>(long sequence, List<Pending<T, R>> taken) {
    }

    private void loop() {
        try {
            Formed<T, R> next;
            while ((next = awaitBatch()) != null) {
                run(next.sequence(), next.taken());
            }
        } catch (InterruptedException e) {
            LOG.warn("batcher '{}' interrupted; failing what is still queued", name);
            stop(State.STOPPED);
        }
    }

    /** Blocks until the policy says run (or a drain is asked); null once stopped with nothing left. */
    private Formed<T, R> awaitBatch() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (queue.isEmpty()) {
                    if (state != State.RUNNING) {
                        return null;
                    }
                    changed.await();
                    continue;
                }
                if (state == State.DRAINING) {
                    break;
                }
                policy = sizing.policy(queuedRows);
                BatchPolicy.Decision decision =
                        policy.decide(queuedRows, queue.peekFirst().item().enqueuedAtNanos(), nanoClock.getAsLong());
                if (decision instanceof BatchPolicy.RunNow) {
                    break;
                }
                if (decision instanceof BatchPolicy.Wait wait) {
                    changed.awaitNanos(wait.nanos());
                }
            }
            // Each item weighs at least one row, so more than maxBatchRows + 1 items are never needed to decide.
            List<Integer> headRows = new ArrayList<>();
            for (Pending<T, R> p : queue) {
                if (headRows.size() > policy.maxBatchRows()) {
                    break;
                }
                headRows.add(p.item().rows());
            }
            int length = policy.batchLength(headRows);
            List<Pending<T, R>> taken = new ArrayList<>(length);
            for (int i = 0; i < length; i++) {
                Pending<T, R> p = queue.pollFirst();
                queuedRows -= p.item().rows();
                taken.add(p);
            }
            batchesFormed++;
            if (!queue.isEmpty()) {
                changed.signal(); // another lane may take what is left
            }
            return new Formed<>(batchesFormed, taken);
        } finally {
            lock.unlock();
        }
    }

    private void run(long sequence, List<Pending<T, R>> taken) {
        List<BatchItem<T>> items = taken.stream().map(Pending::item).toList();
        Batch<T> batch = new Batch<>(sequence, items, items.stream().mapToInt(BatchItem::rows).sum(), nanoClock.getAsLong());
        // Every line logged while the batch runs carries its batch_id: the processor's, ours on failure, and those of
        // the items' dependent actions, which run here as their futures complete.
        try (LogContext scope = LogContext.batch(batchId(batch))) {
            process(taken, batch);
        }
    }

    private String batchId(Batch<T> batch) {
        // As with process(): nothing the processor throws may stop the batcher's thread.
        try {
            return processor.batchId(batch);
        } catch (RuntimeException e) {
            return Long.toString(batch.sequence());
        }
    }

    private void process(List<Pending<T, R>> taken, Batch<T> batch) {
        long sequence = batch.sequence();
        List<R> results = null;
        Throwable failure = null;
        try {
            results = processor.process(batch);
            if (results == null || results.size() != taken.size()) {
                failure = new IllegalStateException("the processor returned "
                        + (results == null ? "null" : results.size() + " results") + " for " + taken.size() + " items");
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            batchesRun.incrementAndGet();
        }
        long took = nanoClock.getAsLong() - batch.startedAtNanos();
        lock.lock();
        try {
            sizing.observe(batch.rows(), took);
        } finally {
            lock.unlock();
        }
        if (failure == null) {
            for (int i = 0; i < taken.size(); i++) {
                taken.get(i).future().complete(results.get(i));
            }
            return;
        }
        LOG.warn("batch {} of batcher '{}' failed: {}", sequence, name, failure.toString());
        for (Pending<T, R> p : taken) {
            p.future().completeExceptionally(new BatchFailedException(
                    sequence, "batch " + sequence + " failed: " + failure.getMessage(), failure));
        }
        if (failure instanceof Error error) {
            // The JVM is in trouble (out of memory...): stop taking work rather than fail every batch the same way.
            stop(State.STOPPED);
            throw error;
        }
    }
}

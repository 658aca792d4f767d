package dev.umbra.client;

import dev.umbra.schemas.ImageResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The requests waiting for answers, by request id, and the slots they hold.
 *
 * <p>Every way a request can end (its reply, its timeout, the caller's cancel, a send failure, close) goes through
 * {@link #claim}: removing the request from the map is what makes exactly one of them win, and only the winner frees
 * the slot. The bookkeeping is done on the thread that wins; the caller's future is then completed on the callback
 * executor, so that a caller's slow or blocking callback never holds up the reply thread (which frees the slots).
 */
final class Outstanding {

    /** One request in flight. The timer is set after registration, by the sending thread. */
    static final class Pending {
        final String requestId;
        final Duration timeout;
        final CompletableFuture<ImageResult> future = new CompletableFuture<>();
        volatile Future<?> timer;

        Pending(String requestId, Duration timeout) {
            this.requestId = requestId;
            this.timeout = timeout;
        }
    }

    private final Semaphore slots;
    private final int maxOutstanding;
    private final Executor callbacks;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    /** Ids recently finished, true if by a reply: tells a duplicate reply from a late one. Bounded, oldest first out. */
    private final Map<String, Boolean> finished;

    final AtomicLong sent = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    final AtomicLong timedOut = new AtomicLong();
    final AtomicLong cancelled = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong late = new AtomicLong();
    final AtomicLong unknown = new AtomicLong();

    Outstanding(int maxOutstanding, Executor callbacks) {
        this.maxOutstanding = maxOutstanding;
        this.slots = new Semaphore(maxOutstanding);
        this.callbacks = callbacks;
        int remembered = Math.max(10_000, 10 * maxOutstanding);
        this.finished = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > remembered;
            }
        };
    }

    int maxOutstanding() {
        return maxOutstanding;
    }

    int size() {
        return pending.size();
    }

    /** Waits up to {@code maxBlock} for a free slot. */
    boolean acquire(Duration maxBlock) throws InterruptedException {
        return slots.tryAcquire(maxBlock.toNanos(), TimeUnit.NANOSECONDS);
    }

    void releaseUnused() {
        slots.release();
    }

    /** Wakes every caller waiting for a slot (they then see the client closed). */
    void wakeAllWaiters() {
        slots.release(Integer.MAX_VALUE / 2);
    }

    /**
     * Registers a request holding a slot already acquired; null if its id is outstanding already. The caller
     * completing or cancelling the future itself ends the request too.
     */
    Pending register(String requestId, Duration timeout) {
        Pending p = new Pending(requestId, timeout);
        if (pending.putIfAbsent(requestId, p) != null) {
            return null;
        }
        p.future.whenComplete((r, e) -> {
            if (claim(p, false)) {
                cancelled.incrementAndGet();
            }
        });
        return p;
    }

    /** A reply from the reply thread: completes its request, or is counted as a duplicate, late or unknown. */
    void onReply(ImageResult result) {
        Pending p = pending.get(result.getRequestId());
        if (p != null && claim(p, true)) {
            answered.incrementAndGet();
            ErrorReplyException error = ErrorReplyException.of(result);
            complete(p, result, error, false);
            return;
        }
        Boolean byReply;
        synchronized (finished) {
            byReply = finished.get(result.getRequestId());
        }
        (byReply == null ? unknown : byReply ? duplicates : late).incrementAndGet();
    }

    void onTimeout(Pending p) {
        if (claim(p, false)) {
            timedOut.incrementAndGet();
            complete(p, null, new ReplyTimeoutException(p.requestId, p.timeout), false);
        }
    }

    /** Ends a request with an error of the client's (send failure, close); inline completes on this thread. */
    void fail(Pending p, UmbraException error, boolean inline) {
        if (claim(p, false)) {
            complete(p, null, error, inline);
        }
    }

    /** Every request still waiting, for close. */
    List<Pending> all() {
        return new ArrayList<>(pending.values());
    }

    private boolean claim(Pending p, boolean byReply) {
        if (!pending.remove(p.requestId, p)) {
            return false;
        }
        slots.release();
        Future<?> timer = p.timer;
        if (timer != null) {
            timer.cancel(false);
        }
        synchronized (finished) {
            finished.put(p.requestId, byReply);
        }
        return true;
    }

    private void complete(Pending p, ImageResult result, Throwable error, boolean inline) {
        Runnable completion = () -> {
            if (error == null) {
                p.future.complete(result);
            } else {
                p.future.completeExceptionally(error);
            }
        };
        if (inline) {
            completion.run();
            return;
        }
        try {
            callbacks.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run();   // the caller's executor is shut down: complete here rather than never
        }
    }
}

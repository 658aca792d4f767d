package dev.umbra.loadtest.load;

import dev.umbra.loadtest.measure.Arrival;
import dev.umbra.loadtest.measure.Measurements;
import dev.umbra.loadtest.measure.RunSummary;
import dev.umbra.schemas.PromptRequest;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link LoadPlan} against a {@link Transport}: sends on the calling thread, books every send and result in
 * {@link Measurements}, waits out the grace period and returns the summary.
 *
 * <p>Open loop: each request's intended send time comes from the {@link ArrivalSchedule}; the sender parks until it,
 * and when it is late (a blocked send, a pause) it sends at once but the request keeps its intended time, as its
 * {@code created_at} and as the start of its latency. Closed loop: {@code concurrency} slots, a request sent when a
 * slot is free and its slot freed by its first answer, its send failure, or the grace period running out on it.
 *
 * <p>One run per driver. {@link #stop()} may be called from any thread (a signal handler): sending ends, the
 * answers still due get their grace period, and {@link #run} returns the figures so far.
 */
public final class LoadDriver implements Transport.ResultHandler {

    private static final Logger LOG = LoggerFactory.getLogger(LoadDriver.class);
    /** Longest single park: how quickly a stop is noticed while waiting for the next intended time. */
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** How often the closed loop looks for requests past their grace period, and the drain for the last answers. */
    private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final LoadPlan plan;
    private final RequestFactory requests;
    private final Transport transport;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean sendErrorLogged = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile Measurements measurements;
    // Closed loop only: free slots. Released by the first answer, a failed send, or expiry; never by a duplicate.
    private volatile Semaphore slots;
    private long anchorNanos;
    private long anchorEpochMicros;

    public LoadDriver(LoadPlan plan, RequestFactory requests, Transport transport) {
        this.plan = Objects.requireNonNull(plan, "plan");
        this.requests = Objects.requireNonNull(requests, "requests");
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    /**
     * Opens the transport, runs the plan and the drain, and returns the figures.
     *
     * @param onStart told the run's {@link Measurements} once the transport is ready, just before the first send
     *                (for a progress line)
     * @throws Exception if the transport cannot be opened
     */
    public RunSummary run(Consumer<Measurements> onStart) throws Exception {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("a driver runs once");
        }
        transport.open(this);
        if (plan.shape() instanceof LoadShape.ClosedLoop closed) {
            slots = new Semaphore(closed.concurrency());
        }
        anchorEpochMicros = epochMicros(Instant.now());
        anchorNanos = System.nanoTime();
        Measurements m = new Measurements(requests.ids(), anchorNanos, plan.segments());
        measurements = m;
        onStart.accept(m);
        if (plan.shape() instanceof LoadShape.OpenLoop open) {
            openLoop(m, open);
        } else {
            closedLoop(m);
        }
        long now = System.nanoTime();
        // A run that went its course sent for its planned time (the last constant arrival is one gap before its end).
        m.sendingEnded(stopping.get() ? now : Math.max(now, anchorNanos + plan.sendingTime().toNanos()));
        return drain(m);
    }

    /** Ends sending; {@link #run} then waits for the outstanding answers (within the grace period) and returns. */
    public void stop() {
        stopping.set(true);
    }

    @Override
    public void onResult(Arrival arrival) {
        Measurements m = measurements;
        if (m == null) {
            return; // nothing sent yet: whatever this is, it is not ours
        }
        if (m.answered(arrival) == Measurements.Outcome.ANSWERED) {
            Semaphore s = slots;
            if (s != null) {
                s.release();
            }
        }
    }

    @Override
    public void onUndecodable() {
        Measurements m = measurements;
        if (m != null) {
            m.undecodable();
        }
    }

    private void openLoop(Measurements m, LoadShape.OpenLoop open) {
        ArrivalSchedule schedule = new ArrivalSchedule(plan.segments(), open.arrivals(), plan.seed());
        for (long offset = schedule.next(); offset >= 0; offset = schedule.next()) {
            long intended = anchorNanos + offset;
            if (!parkUntil(intended)) {
                return;
            }
            long now = System.nanoTime();
            // The guard counts what is unanswered, not what is queued in the producer: a stalled worker fills it.
            if (m.outstanding() >= open.maxOutstanding()) {
                m.dropped(intended, now);
                continue;
            }
            send(m, intended, now);
        }
    }

    private void closedLoop(Measurements m) throws InterruptedException {
        Semaphore free = slots;
        long end = anchorNanos + plan.sendingTime().toNanos();
        long graceNanos = plan.grace().toNanos();
        long nextExpiry = anchorNanos;
        while (!stopping.get()) {
            long now = System.nanoTime();
            if (now >= end) {
                return;
            }
            if (now >= nextExpiry) {
                // A lost request would hold its slot forever: past the grace period it is given up as lost.
                int expired = m.expire(now - graceNanos);
                if (expired > 0) {
                    free.release(expired);
                }
                nextExpiry = now + CHECK_NANOS;
            }
            if (!free.tryAcquire(Math.min(end - now, CHECK_NANOS), TimeUnit.NANOSECONDS)) {
                continue;
            }
            now = System.nanoTime();
            if (now >= end || stopping.get()) {
                free.release();
                return;
            }
            // A closed loop has no schedule: a request is due the moment a slot frees, and leaves then.
            send(m, now, now);
        }
    }

    private void send(Measurements m, long intendedNanos, long nowNanos) {
        long seq = m.sent(intendedNanos, nowNanos);
        PromptRequest request = requests.request(seq, epochMillis(intendedNanos));
        try {
            transport.send(request, error -> {
                if (error != null) {
                    failed(m, seq, error);
                }
            });
        } catch (RuntimeException e) {
            failed(m, seq, e);
        }
    }

    private void failed(Measurements m, long seq, Exception error) {
        if (sendErrorLogged.compareAndSet(false, true)) {
            LOG.warn("a send failed (further failures are counted, not logged): {}", error.toString());
        }
        if (m.sendFailed(seq, System.nanoTime())) {
            Semaphore s = slots;
            if (s != null) {
                s.release();
            }
        }
    }

    /** After sending: wait for the outstanding answers (bounded by the grace), then for stray duplicates. */
    private RunSummary drain(Measurements m) {
        long now = System.nanoTime();
        long graceEnd = now + plan.grace().toNanos();
        while (m.outstanding() > 0 && now < graceEnd) {
            LockSupport.parkNanos(Math.min(CHECK_NANOS, graceEnd - now));
            now = System.nanoTime();
        }
        if (m.outstanding() == 0) {
            long settleEnd = Math.min(now + plan.settle().toNanos(), graceEnd);
            while (now < settleEnd) {
                LockSupport.parkNanos(settleEnd - now);
                now = System.nanoTime();
            }
        }
        return m.finish(System.nanoTime());
    }

    /** Parks until {@code deadline}; false if a stop came first. */
    private boolean parkUntil(long deadline) {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            if (stopping.get()) {
                return false;
            }
            LockSupport.parkNanos(Math.min(left, MAX_PARK_NANOS));
        }
        return !stopping.get();
    }

    /** The wall-clock time of a {@link System#nanoTime()} value of this run, for created_at. */
    private long epochMillis(long nanos) {
        return Math.floorDiv(anchorEpochMicros + (nanos - anchorNanos) / 1000, 1000);
    }

    private static long epochMicros(Instant t) {
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
    }
}

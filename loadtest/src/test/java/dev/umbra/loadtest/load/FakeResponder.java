package dev.umbra.loadtest.load;

import dev.umbra.loadtest.measure.Arrival;
import dev.umbra.schemas.PromptRequest;
import dev.umbra.schemas.Status;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A worker in memory for the driver's tests: answers each request after a delay, as told by a {@link Policy} (drop it,
 * answer it several times, answer with another status), and can make a send block, as a full producer buffer would.
 */
final class FakeResponder implements Transport {

    /** What to do with the i-th request sent (counting from 0). */
    interface Policy {
        Reply reply(long index, PromptRequest request);
    }

    /**
     * @param copies      results to publish: 0 drops the request, 2 or more duplicate it
     * @param status      their status
     * @param errorCode   their error_code
     * @param delayMicros from the send to the (first) result
     */
    record Reply(int copies, Status status, String errorCode, long delayMicros) {
        static Reply ok(long delayMicros) {
            return new Reply(1, Status.OK, null, delayMicros);
        }
    }

    private final Policy policy;
    private final ScheduledExecutorService answers = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "fake-responder");
        t.setDaemon(true);
        return t;
    });
    private final Map<Long, Long> sendStallMillis = new ConcurrentHashMap<>();
    private final AtomicLong sends = new AtomicLong();
    private volatile ResultHandler handler;

    FakeResponder(Policy policy) {
        this.policy = policy;
    }

    /** The {@code index}-th send blocks this long before returning, as a producer with a full buffer does. */
    FakeResponder stallSend(long index, long millis) {
        sendStallMillis.put(index, millis);
        return this;
    }

    @Override
    public void open(ResultHandler handler) {
        this.handler = handler;
    }

    @Override
    public void send(PromptRequest request, SendCallback callback) {
        long index = sends.getAndIncrement();
        Long stall = sendStallMillis.get(index);
        if (stall != null) {
            try {
                Thread.sleep(stall);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        callback.completed(null);
        Reply reply = policy.reply(index, request);
        for (int c = 0; c < reply.copies(); c++) {
            answers.schedule(() -> handler.onResult(new Arrival(request.getRequestId(), reply.status(),
                    reply.errorCode(), 100, System.nanoTime())), reply.delayMicros() + c * 100L, TimeUnit.MICROSECONDS);
        }
    }

    /** A result nobody of this run asked for, delivered now. */
    void publishForeign(String requestId) {
        handler.onResult(new Arrival(requestId, Status.OK, null, 100, System.nanoTime()));
    }

    long sends() {
        return sends.get();
    }

    @Override
    public void close() {
        answers.shutdownNow();
    }
}

package dev.umbra.loadtest.load;

import dev.umbra.loadtest.measure.Arrival;
import dev.umbra.schemas.PromptRequest;

/**
 * How requests reach a worker and results come back: Kafka in the tool, an in-memory responder in tests. The driver
 * does not know which.
 *
 * <p>Whoever makes a transport closes it, after the driver is done.
 */
public interface Transport extends AutoCloseable {

    /** Receives results, on a thread of the transport's. */
    interface ResultHandler {
        void onResult(Arrival arrival);

        /** A value on the results topic that is not an ImageResult. */
        void onUndecodable();
    }

    /** Told once how a send ended, on a thread of the transport's. */
    interface SendCallback {
        /** @param error null when the request was delivered (for Kafka: acknowledged by the broker) */
        void completed(Exception error);
    }

    /**
     * Starts delivering results to {@code handler}; returns once every result published from now on will be seen
     * (for Kafka: the results topic's end offsets are taken).
     *
     * @throws Exception if the transport cannot be made ready (e.g. a topic is missing); nothing is left running
     */
    void open(ResultHandler handler) throws Exception;

    /**
     * Hands one request over. May block while the transport's buffer is full: the open loop then falls behind its
     * schedule, and the latency from the intended send time shows it.
     */
    void send(PromptRequest request, SendCallback callback);

    @Override
    void close();
}

package dev.umbra.loadtest.measure;

import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;

/**
 * One result as the load tool saw it arrive.
 *
 * @param requestId    the result's request_id
 * @param status       its status
 * @param errorCode    its error_code, null when OK
 * @param encodedBytes size of the record's value on the topic
 * @param arrivalNanos {@link System#nanoTime()} when the consumer handed it over
 * @param worker       the worker's own timings carried by the result; null when unknown
 */
public record Arrival(String requestId, Status status, String errorCode, int encodedBytes, long arrivalNanos,
        WorkerTimings worker) {

    /** An arrival without the worker's timings. */
    public Arrival(String requestId, Status status, String errorCode, int encodedBytes, long arrivalNanos) {
        this(requestId, status, errorCode, encodedBytes, arrivalNanos, null);
    }

    /** A decoded ImageResult that arrived at {@code arrivalNanos}, its value {@code encodedBytes} long. */
    public static Arrival of(ImageResult result, int encodedBytes, long arrivalNanos) {
        return new Arrival(result.getRequestId(), result.getStatus(), result.getErrorCode(), encodedBytes,
                arrivalNanos, WorkerTimings.of(result));
    }
}

package dev.umbra.loadtest.measure;

import dev.umbra.schemas.Status;

/**
 * One result as the load tool saw it arrive.
 *
 * @param requestId    the result's request_id
 * @param status       its status
 * @param errorCode    its error_code, null when OK
 * @param encodedBytes size of the record's value on the topic
 * @param arrivalNanos {@link System#nanoTime()} when the consumer handed it over
 */
public record Arrival(String requestId, Status status, String errorCode, int encodedBytes, long arrivalNanos) {
}

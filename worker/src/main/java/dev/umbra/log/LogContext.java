package dev.umbra.log;

import org.slf4j.MDC;

/**
 * Puts a request id or a batch id on every log line the current thread writes while the scope is open: in the MDC as
 * {@value #REQUEST_ID} and {@value #BATCH_ID}, shown as {@code [req=... batch=...]} in text logs and under
 * {@code mdc} in JSON logs.
 *
 * <pre>{@code
 * try (LogContext scope = LogContext.request(request.getRequestId())) {
 *     LOG.info("rejected: {}", reason);   // ... [req=r-42] - rejected: ...
 * }
 * }</pre>
 *
 * <p>The MDC belongs to a thread: open the scope on the thread that does the work (inside the callback or task, not
 * around the code that schedules it) and close it there, which try-with-resources does. Closing restores the value the
 * key had before, so scopes nest. The batcher opens {@link #batch} around each batch it runs.
 */
public final class LogContext implements AutoCloseable {

    public static final String REQUEST_ID = "request_id";
    public static final String BATCH_ID = "batch_id";

    private final String key;
    private final String previous;

    private LogContext(String key, String value) {
        this.key = key;
        this.previous = MDC.get(key);
        put(key, value);
    }

    /** The request {@code id} on this thread's log lines until closed; a null id leaves the lines without one. */
    public static LogContext request(String id) {
        return new LogContext(REQUEST_ID, id);
    }

    /** The batch {@code id} on this thread's log lines until closed; a null id leaves the lines without one. */
    public static LogContext batch(String id) {
        return new LogContext(BATCH_ID, id);
    }

    @Override
    public void close() {
        put(key, previous);
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}

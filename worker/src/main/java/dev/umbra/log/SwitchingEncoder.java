package dev.umbra.log;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The console's encoder: its pattern (text) or logback's {@link JsonEncoder}, as {@link LogFormat#current()} says.
 * Switching here rather than reconfiguring logback keeps logback.xml the one place of appenders and levels, costs one
 * volatile read an event, and lets tests switch back and forth.
 *
 * <p>The JSON lines hold {@code timestamp} (epoch milliseconds), {@code level}, {@code threadName}, {@code loggerName},
 * {@code mdc} (with {@code request_id} and {@code batch_id} when set), {@code formattedMessage} and, for an error,
 * {@code throwable} with its frames and causes as nested objects: the stack trace stays inside the line.
 */
public final class SwitchingEncoder extends PatternLayoutEncoder {

    private final JsonEncoder json = new JsonEncoder();

    @Override
    public void start() {
        json.setContext(getContext());
        // The message once, formatted; no logger-context block, raw pattern, arguments or counters on every line.
        json.setWithContext(false);
        json.setWithMessage(false);
        json.setWithArguments(false);
        json.setWithFormattedMessage(true);
        json.setWithSequenceNumber(false);
        json.setWithNanoseconds(false);
        json.start();
        super.start();
    }

    @Override
    public void stop() {
        json.stop();
        super.stop();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return LogFormat.current() == LogFormat.JSON ? json.encode(event) : super.encode(event);
    }
}

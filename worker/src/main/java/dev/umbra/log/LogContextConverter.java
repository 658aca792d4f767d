package dev.umbra.log;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.Map;

/**
 * {@code %logContext} in a text pattern: {@code " [req=R batch=B]"} with whichever of the {@link LogContext} ids the
 * event carries, and nothing at all without them, so that lines outside a request or batch look as they always did.
 */
public final class LogContextConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        Map<String, String> mdc = event.getMDCPropertyMap();
        String request = mdc.get(LogContext.REQUEST_ID);
        String batch = mdc.get(LogContext.BATCH_ID);
        if (request == null && batch == null) {
            return "";
        }
        StringBuilder s = new StringBuilder(" [");
        if (request != null) {
            s.append("req=").append(request);
        }
        if (batch != null) {
            s.append(request != null ? " " : "").append("batch=").append(batch);
        }
        return s.append(']').toString();
    }
}

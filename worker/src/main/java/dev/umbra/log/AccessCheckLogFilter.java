package dev.umbra.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops the Kafka clients' own lines about the worker's start-up access check
 * ({@code dev.umbra.kafka.KafkaAccessCheck}, whose admin client's id ends in {@value #CLIENT_ID_SUFFIX}): a refused
 * login makes them log an ERROR and a WARN with a stack trace before the check reports the same refusal, with the
 * user and the servers, as the command's one error line. Kafka prefixes each of a client's messages with {@code [AdminClient clientId=...]}, which is how they are
 * known. Everything else passes untouched.
 */
public final class AccessCheckLogFilter extends TurboFilter {

    public static final String CLIENT_ID_SUFFIX = "-access-check";
    private static final String MARK = CLIENT_ID_SUFFIX + "]";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (format != null && logger != null && logger.getName().startsWith("org.apache.kafka.")
                && format.contains(MARK)) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }
}

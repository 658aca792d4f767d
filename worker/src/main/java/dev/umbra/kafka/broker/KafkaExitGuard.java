package dev.umbra.kafka.broker;

import org.apache.kafka.common.utils.internals.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Kafka's server code from ending this JVM while embedded brokers run. On a fatal fault (a startup
 * deadline, a corrupt metadata log) a standalone broker calls {@link Exit#exit} or {@link Exit#halt}; in
 * process that would kill the application or the test run with it. While at least one broker holds the
 * guard, such a call logs an error and throws instead, which fails that broker's operation. Kafka's own
 * test harnesses swap these procedures the same way.
 */
final class KafkaExitGuard {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaExitGuard.class);

    private static int holders;

    private KafkaExitGuard() {
    }

    static synchronized void acquire() {
        if (holders++ == 0) {
            Exit.setExitProcedure((status, message) -> refuse("exit", status, message));
            Exit.setHaltProcedure((status, message) -> refuse("halt", status, message));
        }
    }

    static synchronized void release() {
        if (holders > 0 && --holders == 0) {
            Exit.resetExitProcedure();
            Exit.resetHaltProcedure();
        }
    }

    private static void refuse(String kind, int status, String message) {
        String text = "embedded Kafka broker asked the JVM to " + kind + " with status " + status
                + (message == null ? "" : " (" + message + ")") + "; refused, the broker is unusable now";
        LOG.error(text);
        throw new IllegalStateException(text);
    }
}

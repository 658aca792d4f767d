package dev.umbra.kafka;

import io.vertx.core.Future;
import io.vertx.kafka.admin.KafkaAdminClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Whether topics exist, asked of the broker once and remembered a while. A send to a topic that does not exist waits
 * out the producer's metadata timeout (a minute) and then fails, and retrying it would hold its partition's commits
 * forever: the worker asks before a reply (and answers on the results topic when it cannot reply), and asks again when
 * a send fails as a missing topic's would, since a broker that is away looks the same to the producer. Used on the
 * verticle's event loop.
 */
final class KnownTopics {

    static final long KNOWN_MILLIS = 60_000;
    static final long MISSING_MILLIS = 5_000;

    private final KafkaAdminClient admin;
    private final LongSupplier nanoTime;
    private final Map<String, Known> known = new HashMap<>();
    private final Map<String, Future<Known>> asking = new HashMap<>();

    /**
     * What the broker said of a topic: its partition count, or why it cannot be written (partitions then 0) and
     * whether that is because it does not exist.
     */
    private record Known(int partitions, String problem, boolean missing, long untilNanos) {}

    KnownTopics(KafkaAdminClient admin, LongSupplier nanoTime) {
        this.admin = admin;
        this.nanoTime = nanoTime;
    }

    /** Completes with true only when the broker answered that {@code topic} does not exist. */
    Future<Boolean> missing(String topic) {
        return lookup(topic).map(Known::missing);
    }

    /** Completes with null when the answer can go to {@code replyTo}, else with the reason it cannot. */
    Future<String> check(ReplyTo replyTo) {
        return lookup(replyTo.topic()).map(k -> {
            if (k.problem() != null) {
                return k.problem();
            }
            Integer p = replyTo.partition();
            if (p != null && (p < 0 || p >= k.partitions())) {
                return "reply_topic '" + replyTo.topic() + "' has " + k.partitions() + " partition(s), no partition "
                        + p;
            }
            return null;
        });
    }

    private Future<Known> lookup(String topic) {
        Known k = known.get(topic);
        if (k != null && nanoTime.getAsLong() - k.untilNanos() < 0) {
            return Future.succeededFuture(k);
        }
        Future<Known> pending = asking.get(topic);
        if (pending != null) {
            return pending;
        }
        Future<Known> ask = admin.describeTopics(List.of(topic))
                .map(d -> new Known(d.get(topic).getPartitions().size(), null, false, until(KNOWN_MILLIS)))
                .otherwise(e -> {
                    boolean missing = cause(e) instanceof UnknownTopicOrPartitionException;
                    return new Known(0, "reply_topic '" + topic + "' " + (missing ? "does not exist"
                            : "cannot be described: " + cause(e)), missing, until(MISSING_MILLIS));
                });
        asking.put(topic, ask);
        ask.onComplete(ar -> {
            asking.remove(topic);
            known.put(topic, ar.result());
        });
        return ask;
    }

    private long until(long millis) {
        return nanoTime.getAsLong() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    private static Throwable cause(Throwable e) {
        return e.getCause() != null && !(e instanceof UnknownTopicOrPartitionException) ? e.getCause() : e;
    }
}

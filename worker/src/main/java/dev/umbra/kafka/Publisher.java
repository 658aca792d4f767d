package dev.umbra.kafka;

import dev.umbra.log.LogContext;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets the worker's outputs to the broker: in at-least-once mode it sends each {@link Output} until it is
 * acknowledged, falling back to the output's smaller form or its next topic when the first cannot take it; in both
 * modes {@link #next} says what to send after a failure, so that a transaction ({@link Transactions}) falls back
 * alike. It owns the plain producer, made and closed here (none in exactly-once mode, where {@link Transactions}
 * owns its transactional one). Separate from {@link WorkerVerticle}, which decides what is published and when
 * offsets are committed, so that neither grows with the other; event-loop confined like the verticle (made in its
 * start, used on its context).
 */
final class Publisher {

    // The verticle's logger: these lines kept their logger name when they moved here (log filters and searches use it).
    private static final Logger LOG = LoggerFactory.getLogger(WorkerVerticle.class);
    // A send the producer gave up on (after its own retries) is tried again after this pause, until the worker stops:
    // an unacknowledged answer must never let its offset be committed.
    private static final long PUBLISH_RETRY_MILLIS = 1000;

    private final Vertx vertx;
    private final WorkerConfig config;
    private final KnownTopics knownTopics;
    private final BooleanSupplier closed;
    private final Handler<KafkaAccessException> fatalHandler;
    // Null in exactly-once mode: every output then goes through a transaction.
    private final KafkaProducer<byte[], byte[]> producer;

    /**
     * @param closed       whether the worker is closing: a failed send is then failed, not retried
     * @param fatalHandler told of an error the worker cannot go on with (a refused login, a withdrawn ACL)
     */
    Publisher(Vertx vertx, WorkerConfig config, KnownTopics knownTopics, BooleanSupplier closed,
            Handler<KafkaAccessException> fatalHandler) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.config = Objects.requireNonNull(config, "config");
        this.knownTopics = Objects.requireNonNull(knownTopics, "knownTopics");
        this.closed = Objects.requireNonNull(closed, "closed");
        this.fatalHandler = Objects.requireNonNull(fatalHandler, "fatalHandler");
        this.producer = config.delivery() == Delivery.EXACTLY_ONCE ? null
                : KafkaProducer.create(vertx, producerConfig(config), new ByteArraySerializer(),
                        new ByteArraySerializer());
    }

    /** The plain producer's settings; the transactional producer starts from them too. */
    static Map<String, String> producerConfig(WorkerConfig config) {
        Map<String, String> props = new HashMap<>();
        props.put("acks", "all");
        props.put("enable.idempotence", "true");
        props.put("linger.ms", "5");
        props.putAll(config.kafkaPropertiesFor("producer"));
        props.put("bootstrap.servers", config.bootstrapServers());
        props.put("client.id", config.clientId() + "-producer");
        return props;
    }

    /**
     * Publishes one consumed record's output until the broker acknowledges it (at-least-once mode). A record too
     * large goes as its smaller form; one whose topic cannot take it (not allowed, or known to the broker not to
     * exist) goes as the first of its fallbacks, and so on; when none is left it is given up with an error in the
     * log, so that its partition's commits go on. Any other failure (a broker away, a leader moving) is retried.
     */
    Future<Void> sendUntilAcknowledged(Output output) {
        Promise<Void> acknowledged = Promise.promise();
        send(output, acknowledged);
        return acknowledged.future();
    }

    private void send(Output output, Promise<Void> acknowledged) {
        if (output.record() == null) {
            acknowledged.complete();
            return;
        }
        producer.send(output.record()).onComplete(ar -> {
            if (ar.succeeded()) {
                acknowledged.complete();
            } else if (closed.getAsBoolean()) {
                acknowledged.fail(ar.cause());
            } else {
                next(output, ar.cause()).onComplete(next -> {
                    if (closed.getAsBoolean()) {
                        acknowledged.fail(ar.cause());
                    } else if (next.result() == output) {
                        log(output.record(), () -> LOG.warn("publishing the {} failed, retrying in {} ms: {}",
                                output.what(), PUBLISH_RETRY_MILLIS, ar.cause().toString()));
                        vertx.setTimer(PUBLISH_RETRY_MILLIS, t -> send(output, acknowledged));
                    } else {
                        send(next.result(), acknowledged);
                    }
                });
            }
        });
    }

    /**
     * What to send after {@code output} failed: its smaller form when it was too large, the next fallback when its
     * topic cannot take it (or nothing, given up, when none is left), else the same output to try again.
     */
    Future<Output> next(Output output, Throwable failure) {
        KafkaProducerRecord<byte[], byte[]> record = output.record();
        if (stopIfRefused(failure, "producer")) {
            return Future.succeededFuture(output); // tried again until the worker has stopped
        }
        if (output.smaller() != null && isTooLarge(failure)) {
            log(record, () -> LOG.warn("the {} is too large to publish ({}); sending a reduced one instead",
                    output.what(), failure.toString()));
            return Future.succeededFuture(new Output(output.smaller().get(), output.what() + " (reduced)", null,
                    output.fallbacks()));
        }
        return unreachable(record.topic(), failure).otherwise(false).map(gone -> {
            if (!gone) {
                return output;
            }
            List<Function<Throwable, KafkaProducerRecord<byte[], byte[]>>> fallbacks = output.fallbacks();
            if (fallbacks.isEmpty()) {
                log(record, () -> LOG.error("giving up on the {}: topic {} cannot take it ({}), and there is nowhere"
                        + " else to put it; its offset is committed so that the partition goes on", output.what(),
                        record.topic(), failure.toString()));
                return output.givenUp();
            }
            KafkaProducerRecord<byte[], byte[]> next = fallbacks.get(0).apply(failure);
            log(record, () -> LOG.warn("the {} cannot be published to {} ({}); sending it to {} instead",
                    output.what(), record.topic(), failure.toString(), next.topic()));
            return new Output(next, output.what() + " (to " + next.topic() + ")", null,
                    fallbacks.subList(1, fallbacks.size()));
        });
    }

    /**
     * Whether {@code topic} will not take records however often they are sent: not ours to write, an invalid name, or
     * a topic the broker says does not exist (asked, since a broker that is away looks the same to the producer).
     */
    private Future<Boolean> unreachable(String topic, Throwable error) {
        boolean maybeMissing = false;
        for (Throwable e = error; e != null; e = e.getCause()) {
            if (e instanceof TopicAuthorizationException || e instanceof InvalidTopicException) {
                return Future.succeededFuture(true);
            }
            if (e instanceof UnknownTopicOrPartitionException || (e instanceof org.apache.kafka.common.errors.TimeoutException
                    && String.valueOf(e.getMessage()).contains("not present in metadata"))) {
                maybeMissing = true;
            }
        }
        return maybeMissing ? knownTopics.missing(topic) : Future.succeededFuture(false);
    }

    /**
     * Hands the worker's end to its owner when the cluster refuses this worker itself (its login, its transactional
     * id, its group): retrying cannot cure that. A topic refusing one record is not this: that record goes elsewhere.
     */
    boolean stopIfRefused(Throwable failure, String client) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.AuthenticationException
                    || t instanceof org.apache.kafka.common.errors.TransactionalIdAuthorizationException
                    || t instanceof org.apache.kafka.common.errors.GroupAuthorizationException
                    || t instanceof org.apache.kafka.common.errors.ClusterAuthorizationException) {
                KafkaAccessErrors.fatal(t, config, client).ifPresent(fatalHandler::handle);
                return true;
            }
        }
        return false;
    }

    /** Closes the plain producer, if there is one. */
    Future<Void> close() {
        return producer == null ? Future.succeededFuture() : producer.close();
    }

    /** Logs with the record's key (the request id, for answers) as the line's request_id. */
    private static void log(KafkaProducerRecord<byte[], byte[]> record, Runnable line) {
        try (LogContext scope = LogContext.request(record.key() == null ? null
                : new String(record.key(), StandardCharsets.UTF_8))) {
            line.run();
        }
    }

    private static boolean isTooLarge(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RecordTooLargeException || t instanceof RecordBatchTooLargeException) {
                return true;
            }
        }
        return false;
    }
}

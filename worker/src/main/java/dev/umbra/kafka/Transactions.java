package dev.umbra.kafka;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once publishing: the outputs of consumed records (results, hand-ons, dead letters) and the offsets that
 * consume them are committed in one Kafka transaction, so that a {@code read_committed} reader sees each output once
 * or not at all, whatever crashes and rebalances happen in between.
 *
 * <p>A transaction holds, per partition, only the outputs of the contiguous run of finished records above the last
 * commit, and commits the offset just past that run: an output above a gap (a record still computing) waits, because
 * committing it without its offset would answer the record twice after a crash. Outputs wait here ({@link #stage})
 * until the next transaction; one transaction runs at a time, on a thread of its own (the producer's transactional
 * calls block), and every output that finished meanwhile goes into the next one, so transactions grow with load.
 *
 * <p>The offsets go with the consumer group's metadata as of the records' generation; a worker the group has moved
 * on from gets its commit refused and the transaction is aborted. A record whose output the topic refuses (too
 * large, not allowed, gone) would abort every transaction it is in: after an abort the worker's
 * {@link Replacement} says what to send instead, and the transaction is tried again.
 *
 * <p>Event-loop confined except {@link #close()}; it owns its producer and thread.
 */
final class Transactions implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Transactions.class);
    private static final long RETRY_MILLIS = 1000;
    private static final long REBALANCE_RETRY_MILLIS = 100;

    /** What to send instead of an output a transaction failed on; the same output to try it again as it is. */
    @FunctionalInterface
    interface Replacement {
        Future<Output> after(Output failed, Throwable failure);
    }

    private static final class Staged {
        Output output;
        final Promise<Void> committed = Promise.promise();

        Staged(Output output) {
            this.output = output;
        }
    }

    private record Outcome(Throwable failure, Throwable[] perRecord) {
    }

    private final Context context;
    private final Map<String, Object> producerConfig;
    private final Supplier<Map<TopicPartition, Long>> committable;
    private final Supplier<ConsumerGroupMetadata> groupMetadata;
    private final Replacement replacement;
    private final java.util.function.Consumer<Map<TopicPartition, Long>> onCommitted;
    private final java.util.function.Consumer<Throwable> onFailed;
    private final ExecutorService thread;
    private final Map<TopicPartition, TreeMap<Long, Staged>> staged = new HashMap<>();
    private final List<Promise<Void>> flushWaiters = new ArrayList<>();
    private KafkaProducer<byte[], byte[]> producer;
    private boolean running;
    private long retryTimer = -1;
    private boolean closed;
    private long commits;
    private long aborts;

    /**
     * @param committable   per partition, the offset just past the contiguous finished records, where it moved past
     *                      the last commit
     * @param groupMetadata the consumer group's metadata for the records held, or null while a rebalance the event
     *                      loop has not yet heard of is pending
     * @param onCommitted   told the offsets of each committed transaction
     * @param onFailed      told why each transaction failed (before it is tried again)
     */
    Transactions(Context context, Map<String, Object> producerConfig, Supplier<Map<TopicPartition, Long>> committable,
            Supplier<ConsumerGroupMetadata> groupMetadata, Replacement replacement,
            java.util.function.Consumer<Map<TopicPartition, Long>> onCommitted,
            java.util.function.Consumer<Throwable> onFailed) {
        this.context = Objects.requireNonNull(context, "context");
        this.producerConfig = Map.copyOf(producerConfig);
        if (!this.producerConfig.containsKey("transactional.id")) {
            throw new IllegalArgumentException("a transactional producer needs a transactional.id");
        }
        this.committable = committable;
        this.groupMetadata = groupMetadata;
        this.replacement = replacement;
        this.onCommitted = onCommitted;
        this.onFailed = onFailed;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "umbra-transactions");
            t.setDaemon(true);
            return t;
        });
    }

    /** Makes the producer and registers its transactional id, aborting what an earlier holder of the id left open. */
    Future<Void> start() {
        return onThread(() -> {
            producer = newProducer();
            return null;
        });
    }

    /**
     * Holds the output of the record at {@code offset} of {@code source} for the next transaction; the future
     * completes once a transaction with it (and the record's offset) is committed, and fails if its partition is
     * revoked first (the next owner answers the record again).
     */
    Future<Void> stage(TopicPartition source, long offset, Output output) {
        Staged s = new Staged(output);
        Staged earlier = staged.computeIfAbsent(source, p -> new TreeMap<>()).put(offset, s);
        if (earlier != null) {
            earlier.committed.tryFail("replaced by a later output of the same record");
        }
        return s.committed.future();
    }

    /** Starts a transaction with what is ready, unless one is running (its end starts the next). */
    void commitReady() {
        if (running || closed || retryTimer >= 0) {
            return;
        }
        Map<TopicPartition, Long> offsets = committable.get();
        Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
        List<Staged> batch = new ArrayList<>();
        offsets.forEach((tp, next) -> {
            TreeMap<Long, Staged> outputs = staged.get(tp);
            if (outputs != null) {
                batch.addAll(outputs.headMap(next).values());
            }
            toCommit.put(new org.apache.kafka.common.TopicPartition(tp.getTopic(), tp.getPartition()),
                    new OffsetAndMetadata(next));
        });
        if (toCommit.isEmpty()) {
            releaseFlushWaiters();
            return;
        }
        ConsumerGroupMetadata metadata = groupMetadata.get();
        if (metadata == null) {
            // The event loop has yet to hear of a rebalance: its view of these partitions may be stale. The
            // assignment handler calls again.
            return;
        }
        running = true;
        List<Output> outputs = batch.stream().map(s -> s.output).toList();
        Future<Outcome> outcome = onThread(() -> transact(outputs, toCommit, metadata));
        outcome.onComplete(ar -> {
            running = false;
            if (closed) {
                return;
            }
            Outcome o = ar.succeeded() ? ar.result() : new Outcome(ar.cause(), new Throwable[outputs.size()]);
            if (o.failure() == null) {
                committed(offsets, batch);
            } else {
                failed(o, batch);
            }
        });
    }

    /** Fails the outputs of revoked partitions: their records go to the partitions' next owner. */
    void revoke(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            TreeMap<Long, Staged> outputs = staged.remove(tp);
            if (outputs != null) {
                outputs.values().forEach(s -> s.committed.tryFail("partition " + tp + " was revoked"));
            }
        }
    }

    /** Whether outputs of these partitions wait for a transaction. */
    boolean holds(Collection<TopicPartition> partitions) {
        return partitions.stream().anyMatch(tp -> staged.containsKey(tp) && !staged.get(tp).isEmpty());
    }

    /** Completes once nothing waits for a transaction (after a stop's drain), or fails after {@code timeout}. */
    Future<Void> flush(Duration timeout) {
        if (staged.values().stream().allMatch(Map::isEmpty)) {
            return Future.succeededFuture();
        }
        Promise<Void> done = Promise.promise();
        flushWaiters.add(done);
        long timer = context.owner().setTimer(timeout.toMillis(), t -> done.tryFail(
                "outputs still uncommitted after " + timeout + ": their records will be answered again"));
        commitReady();
        return done.future().onComplete(x -> context.owner().cancelTimer(timer));
    }

    long commits() {
        return commits;
    }

    long aborts() {
        return aborts;
    }

    /** Waits for a transaction in progress, then closes the producer (an open transaction is aborted). */
    @Override
    public void close() {
        closed = true;
        thread.execute(() -> {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
        });
        thread.shutdown();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("the transactional producer did not close within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void committed(Map<TopicPartition, Long> offsets, List<Staged> batch) {
        commits++;
        offsets.forEach((tp, next) -> {
            TreeMap<Long, Staged> outputs = staged.get(tp);
            if (outputs != null) {
                outputs.headMap(next).clear();
                if (outputs.isEmpty()) {
                    staged.remove(tp);
                }
            }
        });
        onCommitted.accept(offsets);
        batch.forEach(s -> s.committed.tryComplete());
        commitReady();
    }

    private void failed(Outcome outcome, List<Staged> batch) {
        aborts++;
        Throwable failure = outcome.failure();
        onFailed.accept(failure);
        List<Future<?>> replaced = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Throwable own = outcome.perRecord()[i];
            Staged s = batch.get(i);
            if (own != null && !(own instanceof TransactionAbortedException)) {
                replaced.add(replacement.after(s.output, own).onSuccess(next -> s.output = next));
            }
        }
        boolean rebalance = isRebalance(failure);
        long pause = rebalance ? REBALANCE_RETRY_MILLIS : replaced.isEmpty() ? RETRY_MILLIS : 0;
        if (rebalance) {
            LOG.info("transaction refused: the group has moved on ({}); committing again after the rebalance",
                    failure.toString());
        } else if (replaced.isEmpty()) {
            LOG.warn("transaction of {} outputs aborted, retrying in {} ms: {}", batch.size(), pause, failure.toString());
        }
        Future.join(replaced).onComplete(x -> {
            if (closed) {
                return;
            }
            if (pause == 0) {
                commitReady();
            } else {
                retryTimer = context.owner().setTimer(pause, t -> {
                    retryTimer = -1;
                    commitReady();
                });
            }
        });
    }

    private void releaseFlushWaiters() {
        if (staged.values().stream().allMatch(Map::isEmpty)) {
            flushWaiters.forEach(Promise::tryComplete);
            flushWaiters.clear();
        }
    }

    /** One transaction, on the transactions thread: never throws; says what failed, per record too. */
    private Outcome transact(List<Output> outputs, Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata>
            offsets, ConsumerGroupMetadata metadata) {
        Throwable[] perRecord = new Throwable[outputs.size()];
        List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
        try {
            producer.beginTransaction();
            for (int i = 0; i < outputs.size(); i++) {
                KafkaProducerRecord<byte[], byte[]> output = outputs.get(i).record();
                if (output != null) {
                    ProducerRecord<byte[], byte[]> record = output.record();
                    int index = i;
                    sends.add(producer.send(record, (md, e) -> {
                        if (e != null) {
                            perRecord[index] = e;
                        }
                    }));
                }
            }
            producer.sendOffsetsToTransaction(offsets, metadata);
            producer.commitTransaction();
            return new Outcome(null, perRecord);
        } catch (ProducerFencedException | OutOfOrderSequenceException | InvalidProducerEpochException
                | UnsupportedVersionException | AuthorizationException e) {
            // The producer cannot go on: another one has its id, or the broker refuses it. A new one fences the old.
            LOG.error("the transactional producer failed for good ({}); starting a new one", e.toString());
            renewProducer();
            return new Outcome(e, perRecord);
        } catch (KafkaException e) {
            try {
                producer.abortTransaction();
            } catch (KafkaException abortFailed) {
                LOG.warn("aborting failed ({}); starting a new producer", abortFailed.toString());
                renewProducer();
            }
            awaitCallbacks(sends);
            return new Outcome(e, perRecord);
        } catch (RuntimeException e) {
            renewProducer();
            return new Outcome(e, perRecord);
        }
    }

    private static void awaitCallbacks(List<java.util.concurrent.Future<?>> sends) {
        for (java.util.concurrent.Future<?> send : sends) {
            try {
                send.get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // its callback has the failure
            }
        }
    }

    private void renewProducer() {
        try {
            producer.close(Duration.ZERO);
        } catch (RuntimeException ignored) {
            // it is being replaced
        }
        try {
            producer = newProducer();
        } catch (RuntimeException e) {
            LOG.error("cannot start a new transactional producer: {}", e.toString());
        }
    }

    private KafkaProducer<byte[], byte[]> newProducer() {
        KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerConfig, new ByteArraySerializer(),
                new ByteArraySerializer());
        try {
            p.initTransactions();
        } catch (RuntimeException e) {
            p.close(Duration.ZERO);
            throw e;
        }
        return p;
    }

    private static boolean isRebalance(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.clients.consumer.CommitFailedException
                    || t instanceof org.apache.kafka.common.errors.IllegalGenerationException
                    || t instanceof org.apache.kafka.common.errors.RebalanceInProgressException
                    || t instanceof org.apache.kafka.common.errors.UnknownMemberIdException
                    || t instanceof org.apache.kafka.common.errors.FencedInstanceIdException) {
                return true;
            }
        }
        return false;
    }

    private <T> Future<T> onThread(java.util.concurrent.Callable<T> work) {
        Promise<T> promise = Promise.promise();
        try {
            thread.execute(() -> {
                try {
                    T result = work.call();
                    context.runOnContext(v -> promise.complete(result));
                } catch (Exception e) {
                    context.runOnContext(v -> promise.fail(e));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            promise.fail(e);
        }
        return promise.future();
    }

    /** For the log and metrics: a short account. */
    @Override
    public String toString() {
        return "transactions: " + commits + " committed, " + aborts + " aborted";
    }
}

package dev.umbra.kafka;

import dev.umbra.schemas.EventDecodeException;
import dev.umbra.worker.Answer;
import dev.umbra.worker.WorkerClock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * How a worker turns the records it consumes into answers: prompts through the prior ({@link PromptIntake}), or the
 * prior's outputs straight to the decoders ({@link PriorOutputIntake}). The verticle owns the Kafka side around it
 * (fetching, backpressure, publishing, commits), the same for every role. Called on the verticle's event loop.
 */
interface Intake {

    /**
     * Reads one record value.
     *
     * @throws EventDecodeException if it is not a readable event: the record becomes a dead letter
     */
    Admitted admit(byte[] value, Instant receivedAt, long receivedAtNanos);

    /** What requests must name in {@code model}, or what the worker serves, for logs and stats. */
    String servedModel();

    WorkerClock clock();

    /** Rows waiting for a batch to run them (0 where nothing is batched). Readable from any thread. */
    default int queuedRows() {
        return 0;
    }

    /** Stops whatever threads the intake runs; work still queued is dropped (and redelivered, being uncommitted). */
    void shutdownNow();

    /** What became of a record, and where its answer goes ({@code replyTo}: null for the results topic). */
    sealed interface Admitted permits Answered, Pending {
        ReplyTo replyTo();
    }

    /** Answered without work (rejected, expired): published as it is, never decoded. */
    record Answered(Answer answer, ReplyTo replyTo) implements Admitted {}

    /**
     * Work under way: {@code answer} completes, on any thread and never exceptionally, with the answer to decode (when
     * the worker decodes) and publish; {@code rows} count against the worker's in-flight bound until it is published.
     */
    record Pending(CompletableFuture<Answer> answer, int rows, ReplyTo replyTo) implements Admitted {}
}

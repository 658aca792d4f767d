package dev.umbra.kafka;

import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.PriorOutput;
import dev.umbra.worker.WorkerClock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The decoder role's intake: the prior's outputs from the embeddings topic, each ready for the decoders at once. Its
 * images count as the record's in-flight rows, so the worker's in-flight bound and the decoder pool's saturation both
 * hold fetching back.
 */
final class PriorOutputIntake implements Intake {

    private final EventCodec codec;
    private final String workerId;
    private final String decoder;
    private final WorkerClock clock;

    /** @param decoder the decoder pool's identity, what this worker serves */
    PriorOutputIntake(EventCodec codec, String workerId, String decoder, WorkerClock clock) {
        this.codec = codec;
        this.workerId = workerId;
        this.decoder = decoder;
        this.clock = clock;
    }

    @Override
    public Admitted admit(byte[] value, Instant receivedAt, long receivedAtNanos) {
        PriorOutput output = codec.decodePriorOutput(value);
        int rows = Math.max(1, output.getResult().getImages().size());
        // The prior role allowed the reply topic already.
        return new Pending(CompletableFuture.completedFuture(
                PriorOutputs.toAnswer(output, workerId, receivedAtNanos)), rows,
                ReplyTo.of(output.getReplyTopic(), output.getReplyPartition()));
    }

    @Override
    public String servedModel() {
        return decoder;
    }

    @Override
    public WorkerClock clock() {
        return clock;
    }

    @Override
    public void shutdownNow() {
        // nothing of its own runs: the decoder pool belongs to the process
    }
}

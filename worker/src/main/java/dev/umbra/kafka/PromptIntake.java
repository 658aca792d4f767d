package dev.umbra.kafka;

import dev.umbra.batch.BatchFailedException;
import dev.umbra.batch.BatcherClosedException;
import dev.umbra.batch.BatchSizing;
import dev.umbra.batch.DynamicBatcher;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.PromptRequest;
import dev.umbra.worker.Admission;
import dev.umbra.worker.Answer;
import dev.umbra.worker.ErrorCode;
import dev.umbra.worker.InferenceJob;
import dev.umbra.worker.InferenceService;
import dev.umbra.worker.WorkerClock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** Prompts in, through the prior: requests are admitted and batched, and the batcher's thread runs the model. */
final class PromptIntake implements Intake {

    private final EventCodec codec;
    private final InferenceService service;
    private final DynamicBatcher<InferenceJob, Answer> batcher;
    private final Predicate<String> replyTopics;
    private final String replyTopicsPattern;

    /** Starts the batcher's thread; {@link #shutdownNow()} stops it. */
    PromptIntake(EventCodec codec, InferenceService service, BatchSizing sizing, int lanes, String workerId,
            Pattern replyTopics) {
        this.codec = codec;
        this.service = service;
        this.replyTopics = replyTopics.asMatchPredicate();
        this.replyTopicsPattern = replyTopics.pattern();
        this.batcher = DynamicBatcher.start("umbra-inference-" + workerId, sizing, service, System::nanoTime,
                Math.max(1, lanes));
    }

    @Override
    public Admitted admit(byte[] value, Instant receivedAt, long receivedAtNanos) {
        PromptRequest request = codec.decodePromptRequest(value);
        ReplyTo replyTo = ReplyTo.of(request.getReplyTopic(), request.getReplyPartition());
        if (replyTo != null && !replyTopics.test(replyTo.topic())) {
            // Answered where anyone may read it, never on a topic the worker was not told it may write.
            return new Answered(service.rejected(request, receivedAt, ErrorCode.REPLY_TOPIC_NOT_ALLOWED,
                    "reply_topic '" + replyTo.topic() + "' is not allowed by this worker (--reply-topics "
                            + replyTopicsPattern + ")"), null);
        }
        Admission admission = service.admit(request, receivedAt, receivedAtNanos);
        if (admission instanceof Admission.Answered answered) {
            return new Answered(answered.answer(), replyTo);
        }
        InferenceJob job = ((Admission.Accepted) admission).job();
        CompletableFuture<Answer> answer = batcher.submit(job, job.rows()).handle((a, error) ->
                error == null ? a : service.failed(job, ErrorCode.INFERENCE_FAILED, describe(error)));
        return new Pending(answer, job.rows(), replyTo);
    }

    @Override
    public String servedModel() {
        return service.servedModel();
    }

    @Override
    public int queuedRows() {
        return batcher.queuedRows();
    }

    @Override
    public WorkerClock clock() {
        return service.clock();
    }

    @Override
    public void shutdownNow() {
        batcher.shutdownNow();
    }

    private static String describe(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof BatcherClosedException) {
            return "the worker stopped before the request ran: " + cause.getMessage();
        }
        if (cause instanceof BatchFailedException failed && failed.getCause() != null) {
            return "inference failed: " + failed.getCause();
        }
        return "inference failed: " + cause;
    }
}

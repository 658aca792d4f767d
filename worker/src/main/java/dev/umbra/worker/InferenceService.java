package dev.umbra.worker;

import dev.umbra.batch.Batch;
import dev.umbra.batch.BatchItem;
import dev.umbra.batch.BatchProcessor;
import dev.umbra.decoder.DecodeOptions;
import dev.umbra.math.EmbeddingMath;
import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.PriorNoise;
import dev.umbra.model.StageTimings;
import dev.umbra.schemas.CheckpointIdentity;
import dev.umbra.schemas.Diversity;
import dev.umbra.schemas.GeneratedImage;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.ModelIdentity;
import dev.umbra.schemas.PromptRequest;
import dev.umbra.schemas.Status;
import dev.umbra.schemas.Timings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's core, free of any transport: admits decoded requests, runs batches of them through an
 * {@link EmbeddingEngine}, and assembles one {@link ImageResult} per request.
 *
 * <p>Threading: {@link #admit} may run on any thread (the Kafka edge calls it on its event loop); {@link #process}
 * runs on the batcher's thread, one batch at a time. The service holds no per-request state.
 *
 * <p>Rows: a request with num_images n runs as n rows with noise {@code PriorNoise.gaussian(seed + i, E)}; a negative
 * prompt adds n more rows with the same noise, so each image has its negative counterpart in the same batch. Their
 * embeddings are not published; they travel with the answer to the decoder, which steers away from them.
 */
public final class InferenceService implements BatchProcessor<InferenceJob, Answer> {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceService.class);
    // Seeds drawn below 2^53 stay exact as JSON numbers (JavaScript and friends read them as doubles).
    private static final long MAX_DRAWN_SEED = 1L << 53;

    private final EmbeddingEngine engine;
    private final RequestValidator validator;
    private final String workerId;
    private final WorkerClock clock;
    private final LongSupplier seedSource;
    private final ModelIdentity modelIdentity;
    private final String batchIdPrefix;

    /**
     * @param engine     the model; the service does not close it
     * @param limits     what requests may ask for
     * @param workerId   reported in every result
     * @param clock      wall and monotonic time
     * @param seedSource draws the seed of a request that has none
     */
    public InferenceService(EmbeddingEngine engine, WorkerLimits limits, String workerId, WorkerClock clock,
            LongSupplier seedSource) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.seedSource = Objects.requireNonNull(seedSource, "seedSource");
        dev.umbra.model.ModelIdentity identity = engine.identity();
        this.validator = new RequestValidator(limits, identity.name());
        this.modelIdentity = toEvent(identity);
        // Unique per worker run: batch ids of two runs of the same worker id never collide.
        byte[] run = new byte[4];
        ThreadLocalRandom.current().nextBytes(run);
        this.batchIdPrefix = workerId + "-" + HexFormat.of().formatHex(run) + "-";
    }

    /** A service on the system clock that draws missing seeds at random. */
    public InferenceService(EmbeddingEngine engine, WorkerLimits limits, String workerId) {
        this(engine, limits, workerId, WorkerClock.system(),
                () -> ThreadLocalRandom.current().nextLong(MAX_DRAWN_SEED));
    }

    /** The name of the served model, as requests must give it. */
    public String servedModel() {
        return modelIdentity.getName();
    }

    public String workerId() {
        return workerId;
    }

    public WorkerClock clock() {
        return clock;
    }

    /**
     * Receives a decoded request: validates it and checks its deadline.
     *
     * @param receivedAt      wall time the record reached the worker
     * @param receivedAtNanos monotonic time of the same moment
     */
    public Admission admit(PromptRequest request, Instant receivedAt, long receivedAtNanos) {
        Optional<Rejection> rejection = validator.validate(request);
        if (rejection.isPresent()) {
            return new Admission.Answered(notRun(request, receivedAt, 0, Status.REJECTED, rejection.get()));
        }
        Optional<Rejection> expired = expiry(request, receivedAt);
        if (expired.isPresent()) {
            return new Admission.Answered(notRun(request, receivedAt, 0, Status.EXPIRED, expired.get()));
        }
        long seed = request.getSeed() != null ? request.getSeed() : seedSource.getAsLong();
        return new Admission.Accepted(new InferenceJob(request, seed, receivedAt, receivedAtNanos));
    }

    /** Answers a readable request REJECTED for a reason the transport found (it never runs). */
    public Answer rejected(PromptRequest request, Instant receivedAt, ErrorCode code, String message) {
        return notRun(request, receivedAt, 0, Status.REJECTED, new Rejection(code, message));
    }

    /** The id results carry in batch_id, and log lines about the batch in theirs. */
    @Override
    public String batchId(Batch<InferenceJob> batch) {
        return batchIdPrefix + batch.sequence();
    }

    /**
     * Runs a batch: requests whose deadline has passed are answered EXPIRED, the others run as one model call. If that
     * call fails, each request is run on its own, so that only the requests the model really fails on are answered
     * FAILED with INFERENCE_FAILED; a failure is never thrown.
     */
    @Override
    public List<Answer> process(Batch<InferenceJob> batch) {
        Instant now = clock.now();
        String batchId = batchId(batch);
        List<InferenceJob> jobs = batch.items().stream().map(BatchItem::payload).toList();
        Answer[] answers = new Answer[jobs.size()];
        List<Integer> running = new ArrayList<>();
        for (int j = 0; j < jobs.size(); j++) {
            InferenceJob job = jobs.get(j);
            Optional<Rejection> expired = expiry(job.request(), now);
            if (expired.isPresent()) {
                double batchWait = Millis.between(job.receivedAtNanos(), batch.startedAtNanos());
                answers[j] = notRun(job.request(), job.receivedAt(), batchWait, Status.EXPIRED, expired.get());
                continue;
            }
            running.add(j);
        }
        if (running.isEmpty()) {
            return List.of(answers);
        }
        try {
            run(jobs, running, batch, batchId, answers);
        } catch (RuntimeException e) {
            if (running.size() == 1) {
                failAll(jobs, running, batch, batchId, e, answers);
            } else {
                // One bad request must not fail its neighbours: find it by running each request on its own.
                LOG.warn("batch {} ({} requests) failed: {}; running its requests one by one", batchId,
                        running.size(), e.toString());
                for (int j : running) {
                    try {
                        run(jobs, List.of(j), batch, batchId, answers);
                    } catch (RuntimeException alone) {
                        failAll(jobs, List.of(j), batch, batchId, alone, answers);
                    }
                }
            }
        }
        return List.of(answers);
    }

    /** Runs the jobs at {@code indices} as one model call and puts their answers in place; throws if the call fails. */
    private void run(List<InferenceJob> jobs, List<Integer> indices, Batch<InferenceJob> batch, String batchId,
            Answer[] answers) {
        int dim = engine.embeddingDim();
        List<String> prompts = new ArrayList<>();
        List<float[]> noise = new ArrayList<>();
        for (int j : indices) {
            InferenceJob job = jobs.get(j);
            addRows(job, job.request().getPrompt(), dim, prompts, noise);
            if (job.hasNegativePrompt()) {
                addRows(job, job.request().getNegativePrompt(), dim, prompts, noise);
            }
        }
        int rows = prompts.size();
        EmbeddingResult result = engine.embed(prompts, noise.toArray(new float[0][]));
        checkShape(result, rows, dim);
        long readyAt = clock.nanoTime();
        int row = 0;
        for (int j : indices) {
            InferenceJob job = jobs.get(j);
            List<float[]> negatives = new ArrayList<>();
            if (job.hasNegativePrompt()) {
                for (int i = 0; i < job.numImages(); i++) {
                    negatives.add(result.imageEmbeds()[row + job.numImages() + i]);
                }
            }
            answers[j] = new Answer(ok(job, batch, batchId, rows, result, row), job.request().getCreatedAt(), readyAt,
                    negatives, decodeOptions(job.request()));
            row += job.rows();
        }
    }

    private void failAll(List<InferenceJob> jobs, List<Integer> indices, Batch<InferenceJob> batch, String batchId,
            RuntimeException e, Answer[] answers) {
        long failedAt = clock.nanoTime();
        int rows = indices.stream().mapToInt(j -> jobs.get(j).rows()).sum();
        LOG.warn("batch {} ({} rows) failed: {}", batchId, rows, e.toString());
        String message = "inference failed for batch " + batchId + ": " + e;
        for (int j : indices) {
            InferenceJob job = jobs.get(j);
            answers[j] = new Answer(result(job.request(), Status.FAILED,
                    new Rejection(ErrorCode.INFERENCE_FAILED, message), List.of(), timings(job, batch, null), batchId,
                    rows, null), job.request().getCreatedAt(), failedAt);
        }
    }

    /** A FAILED answer for a job whose batch never produced results (the batcher itself failed or shut down). */
    public Answer failed(InferenceJob job, ErrorCode code, String message) {
        Timings timings = zeroTimings(Millis.of(Duration.between(job.request().getCreatedAt(), job.receivedAt())), 0);
        return new Answer(result(job.request(), Status.FAILED, new Rejection(code, message), List.of(), timings,
                null, 0, null), job.request().getCreatedAt(), clock.nanoTime());
    }

    private static void addRows(InferenceJob job, String prompt, int dim, List<String> prompts, List<float[]> noise) {
        for (int i = 0; i < job.numImages(); i++) {
            prompts.add(prompt);
            noise.add(PriorNoise.gaussian(job.seed() + i, dim));
        }
    }

    private static void checkShape(EmbeddingResult result, int rows, int dim) {
        if (result == null) {
            throw new IllegalStateException("the model returned no result");
        }
        if (result.imageEmbeds().length != rows || result.textEmbeds().length != rows) {
            throw new IllegalStateException("the model returned " + result.imageEmbeds().length + " image and "
                    + result.textEmbeds().length + " text embeddings for " + rows + " rows");
        }
        for (int r = 0; r < rows; r++) {
            if (result.imageEmbeds()[r].length != dim || result.textEmbeds()[r].length != dim) {
                throw new IllegalStateException("row " + r + " of the model's output has size "
                        + result.imageEmbeds()[r].length + " (image) / " + result.textEmbeds()[r].length
                        + " (text), expected " + dim);
            }
        }
    }

    private ImageResult ok(InferenceJob job, Batch<InferenceJob> batch, String batchId, int batchRows,
            EmbeddingResult result, int firstRow) {
        int n = job.numImages();
        List<GeneratedImage> images = new ArrayList<>(n);
        float[][] imageRows = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] image = result.imageEmbeds()[firstRow + i];
            imageRows[i] = image;
            images.add(GeneratedImage.newBuilder()
                    .setIndex(i)
                    .setSeed(job.seed() + i)
                    .setImageEmbedding(new FloatArrayList(image))
                    .setTextImageAlignment((float) EmbeddingMath.cosine(result.textEmbeds()[firstRow + i], image))
                    .build());
        }
        Diversity diversity = n < 2 ? null : Diversity.newBuilder()
                .setMeanPairwiseCosineDistance(EmbeddingMath.meanPairwiseCosineDistance(imageRows))
                .setVendiScore(EmbeddingMath.vendiScore(imageRows))
                .build();
        return result(job.request(), Status.OK, null, images, timings(job, batch, result.timings()), batchId,
                batchRows, diversity);
    }

    private static DecodeOptions decodeOptions(PromptRequest request) {
        return decodeOptions(request.getDecoderOptions());
    }

    /** A request's decoder_options as the decoders take them; null for their defaults. */
    public static DecodeOptions decodeOptions(dev.umbra.schemas.DecoderOptions o) {
        return o == null ? DecodeOptions.DEFAULTS
                : new DecodeOptions(o.getNumInferenceSteps(), o.getGuidanceScale(), o.getWidth(), o.getHeight());
    }

    private static Optional<Rejection> expiry(PromptRequest request, Instant now) {
        Instant deadline = request.getDeadline();
        if (deadline == null || now.isBefore(deadline)) {
            return Optional.empty();
        }
        return Optional.of(new Rejection(ErrorCode.DEADLINE_EXCEEDED,
                "deadline " + deadline + " passed before the request could run (now " + now + ")"));
    }

    private Answer notRun(PromptRequest request, Instant receivedAt, double batchWaitMs, Status status,
            Rejection why) {
        Timings timings = zeroTimings(Millis.of(Duration.between(request.getCreatedAt(), receivedAt)), batchWaitMs);
        return new Answer(result(request, status, why, List.of(), timings, null, 0, null), request.getCreatedAt(),
                clock.nanoTime());
    }

    private static Timings timings(InferenceJob job, Batch<InferenceJob> batch, StageTimings stages) {
        Timings timings = zeroTimings(Millis.of(Duration.between(job.request().getCreatedAt(), job.receivedAt())),
                Millis.between(job.receivedAtNanos(), batch.startedAtNanos()));
        if (stages != null) {
            timings.setTokenizeMs(stages.tokenizeMs());
            timings.setTextEncodeMs(stages.textEncodeMs());
            timings.setPriorMs(stages.priorMs());
        }
        return timings;
    }

    private static Timings zeroTimings(double queueWaitMs, double batchWaitMs) {
        return Timings.newBuilder()
                .setQueueWaitMs(queueWaitMs)
                .setBatchWaitMs(batchWaitMs)
                .setTokenizeMs(0)
                .setTextEncodeMs(0)
                .setPriorMs(0)
                .setDecodeMs(0)
                .setPublishMs(0)
                .setEndToEndMs(0)
                .build();
    }

    private ImageResult result(PromptRequest request, Status status, Rejection why, List<GeneratedImage> images,
            Timings timings, String batchId, int batchRows, Diversity diversity) {
        return ImageResult.newBuilder()
                .setRequestId(request.getRequestId())
                .setStatus(status)
                .setErrorCode(why == null ? null : why.code().name())
                .setErrorMessage(why == null ? null : why.message())
                .setImages(images)
                .setTimings(timings)
                .setBatchId(batchId)
                .setBatchSize(batchRows)
                .setDiversity(diversity)
                .setModel(modelIdentity)
                .setWorkerId(workerId)
                // Provisional: Answer.handOff sets the real hand-off time.
                .setCompletedAt(clock.now())
                .setMetadata(request.getMetadata() == null ? new HashMap<>() : new HashMap<>(request.getMetadata()))
                .build();
    }

    private static ModelIdentity toEvent(dev.umbra.model.ModelIdentity identity) {
        List<CheckpointIdentity> checkpoints = identity.components().stream()
                .map(c -> CheckpointIdentity.newBuilder()
                        .setRole(c.role())
                        .setName(c.name())
                        .setSha256(c.sha256())
                        .build())
                .toList();
        return ModelIdentity.newBuilder().setName(identity.name()).setCheckpoints(checkpoints).build();
    }
}

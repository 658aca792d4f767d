package dev.umbra.loadtest.pipe;

import dev.umbra.schemas.CheckpointIdentity;
import dev.umbra.schemas.Diversity;
import dev.umbra.schemas.EventCodec;
import dev.umbra.schemas.GeneratedImage;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.ModelIdentity;
import dev.umbra.schemas.PromptRequest;
import dev.umbra.schemas.Status;
import dev.umbra.schemas.Timings;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;

/**
 * The baseline's answers: an OK ImageResult per request shaped like the worker's (one image per requested image with
 * its seed and an embedding of {@code embeddingDim} floats, timings, batch, a model identity, the request's metadata)
 * but made without a model, and, when {@code targetBytes} is set, padded to exactly that encoded size so that the
 * Kafka pipe carries what it carries for the worker. Unpadded, a result is a little smaller than a worker's of the
 * same embedding width (its model identity is one checkpoint without a digest), so that any worker's size can be
 * reached by padding.
 *
 * <p>The padding goes into the first image's {@code image} bytes (as a picture would). Avro writes lengths as
 * variable-length integers, so a few sizes cannot be reached by the bytes alone (one more byte of padding can add two
 * to the value); those take one more character in {@code worker_id}. Not thread-safe: the pass-through's poll thread
 * owns it.
 */
public final class BaselineResults {

    /** The embedding width of the worker's embedded shapes model (and of its null model); Kandinsky 2.2's is 1280. */
    public static final int DEFAULT_EMBEDDING_DIM = 64;
    /** More images than any worker allows (its default is 8): a corrupt count must not allocate without bound. */
    static final int MAX_IMAGES = 64;
    private static final String MODEL_NAME = "umbra-baseline";

    private final EventCodec codec;
    private final String workerId;
    private final int targetBytes;
    private final List<Float> embedding;
    private final ModelIdentity model;
    private long batches;

    /**
     * @param embeddingDim floats per image embedding, at least 1
     * @param targetBytes  exact encoded size of every result, or 0 to leave results their natural size
     */
    public BaselineResults(EventCodec codec, String workerId, int embeddingDim, int targetBytes) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        if (embeddingDim < 1) {
            throw new IllegalArgumentException("--embedding-dim must be at least 1 (got " + embeddingDim + ")");
        }
        if (targetBytes < 0) {
            throw new IllegalArgumentException("--result-bytes must not be negative (got " + targetBytes + ")");
        }
        this.targetBytes = targetBytes;
        Float[] values = new Float[embeddingDim];
        Arrays.fill(values, (float) (1 / Math.sqrt(embeddingDim)));
        this.embedding = List.of(values);
        // As small as a result gets (one checkpoint, no digest), so that --result-bytes can pad it to any worker's.
        this.model = ModelIdentity.newBuilder().setName(MODEL_NAME).setCheckpoints(List.of(
                CheckpointIdentity.newBuilder().setRole("prior").setName(MODEL_NAME).setSha256("").build())).build();
    }

    /**
     * The encoded answer to a request.
     *
     * @param value the ImageResult in single-object encoding
     * @param fits  false when a target size was asked for and the unpadded result is already larger (it is then sent
     *              unpadded)
     */
    public record Encoded(byte[] value, boolean fits) {
    }

    /** Encodes the answer to {@code request}, received at {@code receivedAt}. */
    public Encoded encode(PromptRequest request, Instant receivedAt) {
        ImageResult result = build(request, receivedAt);
        if (targetBytes == 0) {
            return new Encoded(codec.encode(result), true);
        }
        GeneratedImage first = result.getImages().get(0);
        first.setImage(ByteBuffer.allocate(0));
        byte[] empty = codec.encode(result);
        int extra = targetBytes - empty.length;
        if (extra < 0) {
            first.setImage(null);
            return new Encoded(codec.encode(result), false);
        }
        int pad = paddingFor(extra);
        if (pad < 0) {
            // Unreachable by the bytes' length alone: one more character elsewhere, then it is.
            result.setWorkerId(result.getWorkerId() + "_");
            pad = paddingFor(targetBytes - codec.encode(result).length);
        }
        if (pad < 0) {
            first.setImage(null);
            return new Encoded(codec.encode(result), false);
        }
        first.setImage(ByteBuffer.wrap(new byte[pad]));
        byte[] value = codec.encode(result);
        return new Encoded(value, value.length == targetBytes);
    }

    /**
     * Bytes of padding k such that the value grows by exactly {@code extra} from an empty {@code bytes} field (whose
     * length, 0, already takes one byte); -1 when no k does.
     */
    static int paddingFor(int extra) {
        for (int lengthBytes = 1; lengthBytes <= 5; lengthBytes++) {
            int k = extra - (lengthBytes - 1);
            if (k >= 0 && varintLength(2L * k) == lengthBytes) { // Avro lengths are zig-zag encoded: 2k
                return k;
            }
        }
        return -1;
    }

    private static int varintLength(long value) {
        int n = 1;
        while ((value >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    private ImageResult build(PromptRequest request, Instant receivedAt) {
        int n = Math.min(Math.max(request.getNumImages(), 1), MAX_IMAGES);
        long seed = request.getSeed() == null ? 0 : request.getSeed();
        List<GeneratedImage> images = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            images.add(GeneratedImage.newBuilder()
                    .setIndex(i)
                    .setSeed(seed + i)
                    .setImageEmbedding(embedding)
                    .setTextImageAlignment(0.25f)
                    .build());
        }
        Instant now = Instant.now();
        Instant created = request.getCreatedAt() == null ? receivedAt : request.getCreatedAt();
        Timings timings = Timings.newBuilder()
                .setQueueWaitMs(millisBetween(created, receivedAt))
                .setBatchWaitMs(0)
                .setTokenizeMs(0)
                .setTextEncodeMs(0)
                .setPriorMs(0)
                .setPublishMs(millisBetween(receivedAt, now))
                .setEndToEndMs(millisBetween(created, now))
                .build();
        return ImageResult.newBuilder()
                .setRequestId(request.getRequestId())
                .setStatus(Status.OK)
                .setImages(images)
                .setTimings(timings)
                .setBatchId(workerId + "-" + batches++)
                .setBatchSize(n)
                // Identical embeddings: distance 0, Vendi score 1, as the worker would report them.
                .setDiversity(n > 1 ? Diversity.newBuilder().setMeanPairwiseCosineDistance(0).setVendiScore(1).build()
                        : null)
                .setModel(model)
                .setWorkerId(workerId)
                .setCompletedAt(now)
                .setMetadata(request.getMetadata() == null ? new HashMap<>() : new HashMap<>(request.getMetadata()))
                .build();
    }

    private static double millisBetween(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e6;
    }
}

package dev.umbra.worker;

import dev.umbra.decoder.DecodeRequest;
import dev.umbra.decoder.DecodedImage;
import dev.umbra.decoder.pool.DecoderPool;
import dev.umbra.decoder.store.ImageStore;
import dev.umbra.math.EmbeddingMath;
import dev.umbra.schemas.CheckpointIdentity;
import dev.umbra.schemas.Diversity;
import dev.umbra.schemas.GeneratedImage;
import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.ModelIdentity;
import dev.umbra.schemas.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The stage after the prior: an OK answer's image embeddings go to the decoder pool, and its images come back with
 * their pictures, inline as PNG up to a size limit and stored (the result then carries the URI) above it, with
 * their size, the time they took and, for two or more, the diversity of the pictures themselves (the prior's
 * embeddings of one prompt can be nearly alike while the decoder's seeds still vary the pictures). Answers that are not OK pass through unchanged. A decode that fails for good turns the answer
 * FAILED with {@link ErrorCode#DECODE_FAILED} and the reason; the pool's other work is unaffected.
 *
 * <p>Futures complete on a decoder thread; the caller hops back to its own thread.
 */
public final class DecodeStage {

    public static final String FORMAT = "png";

    /**
     * @param inlineLimitBytes pictures up to this size travel inside the result; larger ones are stored
     * @param keepEmbeddings   whether results keep the prior's image embeddings beside the pictures
     */
    public record Settings(int inlineLimitBytes, boolean keepEmbeddings) {
        public Settings {
            if (inlineLimitBytes < 0) {
                throw new IllegalArgumentException("the inline image limit must be at least 0 (got "
                        + inlineLimitBytes + ")");
            }
        }
    }

    /** The role of the decoder's entry among the result's model checkpoints. */
    public static final String DECODER_ROLE = "decoder";

    /** Diversity of decoded pictures re-encoded by a CLIP image tower. */
    public static final String BASIS_IMAGE_EMBEDDINGS = "decoded_image_embeddings";
    /** Diversity of decoded pictures as RGB vectors, when no image tower is configured. */
    public static final String BASIS_PIXELS = "pixels";

    private final DecoderPool pool;
    private final ImageStore store;
    private final Settings settings;
    private final WorkerClock clock;
    private final Function<List<DecodedImage>, float[][]> imageTower;

    /**
     * @param pool       the decoders; the stage does not close it
     * @param store      where pictures above the inline limit go
     * @param imageTower CLIP image embeddings of pictures, for their diversity (called from decoder threads, so it
     *                   must be safe for that; null from it means it cannot read them); null to measure pixels
     */
    public DecodeStage(DecoderPool pool, ImageStore store, Settings settings, WorkerClock clock,
            Function<List<DecodedImage>, float[][]> imageTower) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.store = Objects.requireNonNull(store, "store");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.imageTower = imageTower;
    }

    public DecoderPool pool() {
        return pool;
    }

    /** The answer with its pictures; never fails (a decode failure is a FAILED answer). */
    public CompletableFuture<Answer> decode(Answer answer) {
        ImageResult result = answer.result();
        if (result.getStatus() != Status.OK || result.getImages().isEmpty()) {
            return CompletableFuture.completedFuture(answer);
        }
        List<DecodeRequest> requests = new ArrayList<>();
        for (int i = 0; i < result.getImages().size(); i++) {
            GeneratedImage image = result.getImages().get(i);
            float[] negative = i < answer.negatives().size() ? answer.negatives().get(i) : null;
            requests.add(new DecodeRequest(FloatArrayList.values(image.getImageEmbedding()), negative, image.getSeed(),
                    answer.options()));
        }
        long submitted = clock.nanoTime();
        CompletableFuture<List<DecodedImage>> decoded;
        try {
            decoded = pool.submit(requests);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failed(answer, e, submitted));
        }
        return decoded.handle((images, error) -> {
            if (error != null) {
                return failed(answer, error, submitted);
            }
            try {
                return withPictures(answer, images, submitted);
            } catch (RuntimeException e) {
                return failed(answer, e, submitted);
            }
        });
    }

    private Answer withPictures(Answer answer, List<DecodedImage> images, long submitted) {
        ImageResult result = answer.result();
        List<GeneratedImage> out = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            GeneratedImage image = GeneratedImage.newBuilder(result.getImages().get(i)).build();
            byte[] png = images.get(i).png();
            image.setImageFormat(FORMAT);
            image.setWidth(images.get(i).width());
            image.setHeight(images.get(i).height());
            if (png.length <= settings.inlineLimitBytes()) {
                image.setImage(ByteBuffer.wrap(png));
            } else {
                image.setImageUri(store(result.getRequestId(), image.getIndex(), png).toString());
            }
            if (!settings.keepEmbeddings()) {
                image.setImageEmbedding(List.of());
            }
            out.add(image);
        }
        result.setImages(out);
        if (result.getModel() != null) {
            // The pictures are the decoder's: the result names its weights beside the prior's.
            List<CheckpointIdentity> checkpoints = new ArrayList<>(result.getModel().getCheckpoints());
            checkpoints.removeIf(c -> c.getRole().equals(DECODER_ROLE));
            checkpoints.add(CheckpointIdentity.newBuilder().setRole(DECODER_ROLE).setName(pool.identity())
                    .setSha256(pool.weightsSha256()).build());
            // a fresh record: the prior's identity may be one instance shared by every result
            result.setModel(ModelIdentity.newBuilder(result.getModel()).setCheckpoints(checkpoints).build());
        }
        if (images.size() >= 2) {
            result.setDiversity(diversity(images));
        }
        long now = clock.nanoTime();
        result.getTimings().setDecodeMs(Millis.between(submitted, now));
        return new Answer(result, answer.createdAt(), now, answer.negatives(), answer.options());
    }

    /** How far apart the pictures are: what the result shows, rather than the prior's embeddings behind it. */
    private Diversity diversity(List<DecodedImage> images) {
        float[][] embedded = imageTower == null ? null : imageTower.apply(images);
        float[][] vectors = embedded != null ? embedded : pixels(images);
        return Diversity.newBuilder()
                .setMeanPairwiseCosineDistance(EmbeddingMath.meanPairwiseCosineDistance(vectors))
                .setVendiScore(EmbeddingMath.vendiScore(vectors))
                .setBasis(embedded != null ? BASIS_IMAGE_EMBEDDINGS : BASIS_PIXELS)
                .build();
    }

    /** Each picture as one vector of its RGB values in [0, 1]. */
    static float[][] pixels(List<DecodedImage> images) {
        float[][] out = new float[images.size()][];
        for (int i = 0; i < out.length; i++) {
            int[] rgb = images.get(i).rgb();
            float[] v = new float[rgb.length * 3];
            for (int p = 0; p < rgb.length; p++) {
                v[3 * p] = ((rgb[p] >> 16) & 0xFF) / 255f;
                v[3 * p + 1] = ((rgb[p] >> 8) & 0xFF) / 255f;
                v[3 * p + 2] = (rgb[p] & 0xFF) / 255f;
            }
            out[i] = v;
        }
        return out;
    }

    private URI store(String requestId, int index, byte[] png) {
        try {
            return store.put(requestId, index, FORMAT, png);
        } catch (IOException e) {
            throw new UncheckedIOException("storing image " + index + " failed: " + e.getMessage(), e);
        }
    }

    private Answer failed(Answer answer, Throwable error, long submitted) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        ImageResult result = answer.result();
        result.setStatus(Status.FAILED);
        result.setErrorCode(ErrorCode.DECODE_FAILED.name());
        result.setErrorMessage("decoding the images with " + pool.identity() + " failed: " + cause.getMessage());
        result.setImages(List.of());
        result.setDiversity(null);
        long now = clock.nanoTime();
        result.getTimings().setDecodeMs(Millis.between(submitted, now));
        return new Answer(result, answer.createdAt(), now, answer.negatives(), answer.options());
    }
}

package dev.umbra.shapes.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.umbra.model.clip.ClipTextModelWithProjection;
import dev.umbra.model.clip.ClipVisionModelWithProjection;
import dev.umbra.shapes.world.SceneSampler;
import dev.umbra.shapes.world.ShapesWorld;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * What the prior learns from: rendered scenes and their captions passed once through the trained mini-CLIP, kept
 * as plain arrays (caption token states and mask, text embedding, image embedding, and the caption's meaning to
 * find paraphrases in a batch). Every prior of a sweep trains on the same pairs.
 */
public final class EmbeddedScenes {

    private final int size;
    private final int dim;
    private final float[] textEmbeds;
    private final float[] hidden;
    private final long[] mask;
    private final float[] imageEmbeds;
    private final String[] keys;

    private EmbeddedScenes(int size, int dim, float[] textEmbeds, float[] hidden, long[] mask, float[] imageEmbeds,
                           String[] keys) {
        this.size = size;
        this.dim = dim;
        this.textEmbeds = textEmbeds;
        this.hidden = hidden;
        this.mask = mask;
        this.imageEmbeds = imageEmbeds;
        this.keys = keys;
    }

    /** Draws {@code size} scenes and embeds them with the (trained, frozen) towers. */
    public static EmbeddedScenes build(int size, RandomGenerator random, ClipTextModelWithProjection text,
                                       ClipVisionModelWithProjection vision, NDManager manager, TokenCache tokens) {
        int dim = text.config().projectionDim();
        int t = TokenCache.TOKENS;
        int canvas = ShapesWorld.CANVAS;
        float[] textEmbeds = new float[size * dim];
        float[] hidden = new float[size * t * dim];
        long[] mask = new long[size * t];
        float[] imageEmbeds = new float[size * dim];
        String[] keys = new String[size];
        SceneSampler sampler = SceneSampler.training();
        ParameterStore ps = new ParameterStore(manager, false);
        int chunk = 256;
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (int from = 0; from < size; from += chunk) {
                int n = Math.min(chunk, size - from);
                SceneBatch batch = SceneBatch.draw(sampler, random, n);
                long[] batchMask = new long[n * t];
                long[] ids = tokens.ids(batch.captions(), batchMask);
                try (NDManager scope = manager.newSubManager()) {
                    NDList textOut = text.forward(ps, new NDList(scope.create(ids, new Shape(n, t))), false);
                    NDArray pixels = ClipVisionModelWithProjection.normalize(
                            scope.create(batch.pixels(), new Shape(n, 3, canvas, canvas)));
                    NDArray image = vision.forward(ps, new NDList(pixels), false).get(0);
                    System.arraycopy(textOut.get(0).toFloatArray(), 0, textEmbeds, from * dim, n * dim);
                    System.arraycopy(textOut.get(1).toFloatArray(), 0, hidden, from * t * dim, n * t * dim);
                    System.arraycopy(image.toFloatArray(), 0, imageEmbeds, from * dim, n * dim);
                }
                System.arraycopy(batchMask, 0, mask, from * t, n * t);
                for (int i = 0; i < n; i++) {
                    keys[from + i] = batch.scenes().get(i).key();
                }
            }
        } finally {
            JniUtils.setGradMode(grad);
        }
        return new EmbeddedScenes(size, dim, textEmbeds, hidden, mask, imageEmbeds, keys);
    }

    public int size() {
        return size;
    }

    public int dim() {
        return dim;
    }

    /** A batch of the rows {@code rows}, as arrays of {@code scope}. */
    public Batch batch(NDManager scope, int[] rows) {
        int n = rows.length;
        int t = TokenCache.TOKENS;
        float[] te = new float[n * dim];
        float[] hs = new float[n * t * dim];
        long[] m = new long[n * t];
        float[] ie = new float[n * dim];
        float[] positives = new float[n * n];
        for (int i = 0; i < n; i++) {
            int r = rows[i];
            System.arraycopy(textEmbeds, r * dim, te, i * dim, dim);
            System.arraycopy(hidden, r * t * dim, hs, i * t * dim, t * dim);
            System.arraycopy(mask, r * t, m, i * t, t);
            System.arraycopy(imageEmbeds, r * dim, ie, i * dim, dim);
            for (int j = 0; j < n; j++) {
                positives[i * n + j] = keys[r].equals(keys[rows[j]]) ? 1f : 0f;
            }
        }
        return new Batch(scope.create(te, new Shape(n, dim)), scope.create(hs, new Shape(n, t, dim)),
                scope.create(m, new Shape(n, t)), scope.create(ie, new Shape(n, dim)),
                scope.create(positives, new Shape(n, n)));
    }

    /** Mean L2 norm of the image embeddings: the scale the projection loss works at. */
    public double meanImageNorm() {
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double s = 0;
            for (int d = 0; d < dim; d++) {
                s += (double) imageEmbeds[i * dim + d] * imageEmbeds[i * dim + d];
            }
            sum += Math.sqrt(s);
        }
        return sum / size;
    }

    /** One batch: what the prior reads, what it must predict, and which captions are paraphrases. */
    public record Batch(NDArray textEmbeds, NDArray lastHiddenState, NDArray attentionMask, NDArray imageEmbeds,
                        NDArray positives) {
        public List<NDArray> priorInputs(NDArray noise) {
            return List.of(noise, textEmbeds, lastHiddenState, attentionMask);
        }
    }
}

package dev.umbra.decoder.shapes;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.umbra.decoder.DecodeRequest;
import dev.umbra.decoder.DecodedImage;
import dev.umbra.decoder.ImageDecoder;
import dev.umbra.io.Images;
import dev.umbra.model.Checksums;
import dev.umbra.model.DjlRuntime;
import dev.umbra.model.ImageEncoder;
import dev.umbra.model.ModelException;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.model.checkpoint.ModelFolder;
import dev.umbra.math.EmbeddingMath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The shapes world's decoder, loaded from a {@code decoder/} folder and run in-process. Each request's seed draws
 * standard normal noise, which the decoder's conditional prior turns into a latent, so the same embedding and seed
 * give the same pixels. It has no use for negative embeddings (there is no guidance to steer) and ignores them.
 *
 * <p>With a CLIP image tower and {@code candidates > 1}, it draws that many pictures per request (the seed's
 * noise, continued) and keeps the one whose CLIP image embedding is nearest the requested one, as DALL-E reranked
 * its samples with CLIP: the decoder is asked for a picture <em>with this embedding</em>, and this checks it.
 */
public final class ShapesImageDecoder implements ImageDecoder {

    public static final String WEIGHTS = "diffusion_pytorch_model.safetensors";
    /** Salts the seed so that a request's latent and its prior noise, drawn from the same seed, are independent. */
    static final long LATENT_SALT = 0x5DEECE66DL;

    /**
     * How pictures are drawn.
     *
     * @param temperature scales the noise: below 1 draws nearer the prior's mean, at some cost in diversity
     * @param candidates  pictures drawn per request and reranked by CLIP (1: no reranking)
     */
    public record Sampling(float temperature, int candidates) {
        public static final Sampling DEFAULT = new Sampling(1f, 8);

        public Sampling {
            if (!(temperature > 0)) {
                throw new IllegalArgumentException("the decoder's temperature must be positive (got " + temperature + ")");
            }
            if (candidates < 1) {
                throw new IllegalArgumentException("candidates must be at least 1 (got " + candidates + ")");
            }
        }
    }

    private final ShapesDecoder model;
    private final ImageEncoder reranker;
    private final Sampling sampling;
    private final NDManager manager;
    private final ParameterStore parameterStore;
    private final DataType dtype;
    private final String identity;
    private final String weightsSha256;

    private ShapesImageDecoder(ShapesDecoder model, ImageEncoder reranker, Sampling sampling, NDManager manager,
                               DataType dtype, String identity, String weightsSha256) {
        this.model = model;
        this.reranker = reranker;
        this.sampling = sampling;
        this.manager = manager;
        this.parameterStore = new ParameterStore(manager, false);
        this.dtype = dtype;
        this.identity = identity;
        this.weightsSha256 = weightsSha256;
    }

    /**
     * @param dir         the {@code decoder/} folder
     * @param imageTower  a {@code CLIPVisionModelWithProjection} folder to rerank with, or null for none
     */
    public static ShapesImageDecoder load(Path dir, Path imageTower, RuntimeOptions options, Sampling sampling) {
        if (!Files.isDirectory(dir)) {
            throw new ModelException(dir + ": decoder folder not found");
        }
        ShapesDecoderConfig config = ShapesDecoderConfig.load(dir);
        Device device = DjlRuntime.resolveDevice(options.device());
        DataType dtype = DjlRuntime.resolveDtype(options.dtype(), device);
        NDManager manager = NDManager.newBaseManager(device, DjlRuntime.ENGINE);
        ImageEncoder reranker = null;
        try {
            ShapesDecoder model = new ShapesDecoder(config);
            ModelFolder.load(model, dir, WEIGHTS, manager, dtype, device);
            boolean rerank = imageTower != null && sampling.candidates() > 1;
            reranker = rerank ? ImageEncoder.load(imageTower, options) : null;
            if (reranker != null && reranker.embeddingDim() != config.embeddingDim()) {
                throw new ModelException(imageTower + ": the image tower makes embeddings of " + reranker.embeddingDim()
                        + " values; the decoder takes " + config.embeddingDim());
            }
            Path name = dir.toAbsolutePath().normalize().getFileName();
            return new ShapesImageDecoder(model, reranker, rerank ? sampling : new Sampling(sampling.temperature(), 1),
                    manager, dtype, "shapes-decoder:" + (name == null ? dir : name),
                    Checksums.sha256Once(List.of(dir.resolve(WEIGHTS))));
        } catch (RuntimeException e) {
            if (reranker != null) {
                reranker.close();
            }
            manager.close();
            throw e;
        }
    }

    /**
     * The noise of a seed: {@code count} rows of Z standard normal values, one per candidate, reproducible on every
     * JVM ({@link Random} is specified). Row 0 does not depend on {@code count}.
     */
    public static float[][] noise(long seed, int count, int dim) {
        Random random = new Random(seed ^ LATENT_SALT);
        float[][] rows = new float[count][dim];
        for (float[] row : rows) {
            for (int i = 0; i < dim; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        return rows;
    }

    @Override
    public List<DecodedImage> decode(List<DecodeRequest> requests) {
        int n = requests.size();
        if (n == 0) {
            return List.of();
        }
        int e = embeddingDim();
        int z = model.config().latentDim();
        int k = sampling.candidates();
        float[] embeds = new float[n * k * e];
        float[] noise = new float[n * k * z];
        for (int i = 0; i < n; i++) {
            DecodeRequest r = requests.get(i);
            if (r.imageEmbedding().length != e) {
                throw new IllegalArgumentException("request " + i + ": the image embedding has "
                        + r.imageEmbedding().length + " values; this decoder takes " + e);
            }
            float[][] rows = noise(r.seed(), k, z);
            for (int c = 0; c < k; c++) {
                System.arraycopy(r.imageEmbedding(), 0, embeds, (i * k + c) * e, e);
                for (int d = 0; d < z; d++) {
                    noise[(i * k + c) * z + d] = rows[c][d] * sampling.temperature();
                }
            }
        }
        float[] pixels = draw(embeds, noise, n * k, e, z);
        int size = model.config().imageSize();
        int plane = size * size;
        int[] chosen = new int[n];
        if (k > 1) {
            float[][] seen = reranker.embed(pixels, n * k);
            for (int i = 0; i < n; i++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    double cos = EmbeddingMath.cosine(requests.get(i).imageEmbedding(), seen[i * k + c]);
                    if (cos > best) {
                        best = cos;
                        chosen[i] = c;
                    }
                }
            }
        }
        List<DecodedImage> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new DecodedImage(size, size, Images.fromChannelsFirst(pixels, (i * k + chosen[i]) * 3 * plane, plane)));
        }
        return out;
    }

    /** Pixels in [0, 1] for {@code rows} embeddings and noise rows, channel first. */
    private float[] draw(float[] embeds, float[] noise, int rows, int e, int z) {
        JniUtils.setGradMode(false);
        try (NDManager scope = manager.newSubManager()) {
            NDArray c = scope.create(embeds, new Shape(rows, e)).toType(dtype, false);
            NDArray l = model.latents(parameterStore, c, scope.create(noise, new Shape(rows, z)).toType(dtype, false));
            return model.forward(parameterStore, new NDList(c, l), false).singletonOrThrow()
                    .toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    public Sampling sampling() {
        return sampling;
    }

    @Override
    public int embeddingDim() {
        return model.config().embeddingDim();
    }

    @Override
    public String identity() {
        return identity;
    }

    @Override
    public String weightsSha256() {
        return weightsSha256;
    }

    @Override
    public void close() {
        if (reranker != null) {
            reranker.close();
        }
        manager.close();
    }
}

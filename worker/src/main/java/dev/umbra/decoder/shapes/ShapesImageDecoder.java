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
import dev.umbra.model.DjlRuntime;
import dev.umbra.model.ModelException;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.model.checkpoint.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The shapes world's decoder, loaded from a {@code decoder/} folder and run in-process: each request's latent is
 * a standard normal row drawn from its seed, so the same embedding and seed give the same pixels. It has no use
 * for negative embeddings (there is no guidance to steer) and ignores them.
 */
public final class ShapesImageDecoder implements ImageDecoder {

    public static final String WEIGHTS = "diffusion_pytorch_model.safetensors";
    /** Salts the seed so that a request's latent and its prior noise, drawn from the same seed, are independent. */
    static final long LATENT_SALT = 0x5DEECE66DL;
    public static final float DEFAULT_TEMPERATURE = 1f;

    private final ShapesDecoder model;
    private final NDManager manager;
    private final ParameterStore parameterStore;
    private final DataType dtype;
    private final String identity;
    private final float temperature;

    private ShapesImageDecoder(ShapesDecoder model, NDManager manager, DataType dtype, String identity,
                               float temperature) {
        this.model = model;
        this.manager = manager;
        this.parameterStore = new ParameterStore(manager, false);
        this.dtype = dtype;
        this.identity = identity;
        this.temperature = temperature;
    }

    public static ShapesImageDecoder load(Path dir, RuntimeOptions options) {
        return load(dir, options, DEFAULT_TEMPERATURE);
    }

    /**
     * @param temperature scales the latent's noise: below 1 draws nearer the prior's mean, where the decoder was
     *                    trained most, at some cost in diversity
     */
    public static ShapesImageDecoder load(Path dir, RuntimeOptions options, float temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("the decoder's temperature must be positive (got " + temperature + ")");
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelException(dir + ": decoder folder not found");
        }
        ShapesDecoderConfig config = ShapesDecoderConfig.load(dir);
        Device device = DjlRuntime.resolveDevice(options.device());
        DataType dtype = DjlRuntime.resolveDtype(options.dtype(), device);
        NDManager manager = NDManager.newBaseManager(device, DjlRuntime.ENGINE);
        try {
            ShapesDecoder model = new ShapesDecoder(config);
            ModelFolder.load(model, dir, WEIGHTS, manager, dtype, device);
            Path name = dir.toAbsolutePath().normalize().getFileName();
            return new ShapesImageDecoder(model, manager, dtype, "shapes-decoder:" + (name == null ? dir : name),
                    temperature);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The noise of a seed: Z standard normal values, reproducible on every JVM ({@link Random} is specified). */
    public static float[] latent(long seed, int dim) {
        Random random = new Random(seed ^ LATENT_SALT);
        float[] z = new float[dim];
        for (int i = 0; i < dim; i++) {
            z[i] = (float) random.nextGaussian();
        }
        return z;
    }

    @Override
    public List<DecodedImage> decode(List<DecodeRequest> requests) {
        int n = requests.size();
        if (n == 0) {
            return List.of();
        }
        int e = embeddingDim();
        int z = model.config().latentDim();
        float[] embeds = new float[n * e];
        float[] latents = new float[n * z];
        for (int i = 0; i < n; i++) {
            DecodeRequest r = requests.get(i);
            if (r.imageEmbedding().length != e) {
                throw new IllegalArgumentException("request " + i + ": the image embedding has "
                        + r.imageEmbedding().length + " values; this decoder takes " + e);
            }
            System.arraycopy(r.imageEmbedding(), 0, embeds, i * e, e);
            float[] noise = latent(r.seed(), z);
            for (int k = 0; k < z; k++) {
                latents[i * z + k] = noise[k] * temperature;
            }
        }
        int size = model.config().imageSize();
        JniUtils.setGradMode(false);
        try (NDManager scope = manager.newSubManager()) {
            NDArray c = scope.create(embeds, new Shape(n, e)).toType(dtype, false);
            NDArray l = model.latents(parameterStore, c, scope.create(latents, new Shape(n, z)).toType(dtype, false));
            float[] pixels = model.forward(parameterStore, new NDList(c, l), false).singletonOrThrow()
                    .toType(DataType.FLOAT32, false).toFloatArray();
            List<DecodedImage> out = new ArrayList<>(n);
            int plane = size * size;
            for (int i = 0; i < n; i++) {
                out.add(new DecodedImage(size, size, Images.fromChannelsFirst(pixels, i * 3 * plane, plane)));
            }
            return out;
        }
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
    public void close() {
        manager.close();
    }
}

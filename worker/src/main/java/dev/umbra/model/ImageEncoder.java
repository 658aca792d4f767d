package dev.umbra.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.umbra.model.checkpoint.Checkpoint;
import dev.umbra.model.checkpoint.ModelFolder;
import dev.umbra.model.clip.ClipVisionConfig;
import dev.umbra.model.clip.ClipVisionModelWithProjection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A loaded CLIP image tower ({@code CLIPVisionModelWithProjection} folder): pictures to CLIP image embeddings, to
 * score how well a generated image matches its prompt. Owns the native memory of its weights; each call works in
 * a scope of its own.
 */
public final class ImageEncoder implements AutoCloseable {

    public static final String WEIGHTS = "model.safetensors";

    private final ClipVisionModelWithProjection model;
    private final NDManager manager;
    private final ParameterStore parameterStore;
    private final DataType dtype;
    private final ModelIdentity.Component identity;

    private ImageEncoder(ClipVisionModelWithProjection model, NDManager manager, DataType dtype,
                         ModelIdentity.Component identity) {
        this.model = model;
        this.manager = manager;
        this.parameterStore = new ParameterStore(manager, false);
        this.dtype = dtype;
        this.identity = identity;
    }

    public static ImageEncoder load(Path dir, RuntimeOptions options) {
        if (!Files.isDirectory(dir)) {
            throw new ModelException(dir + ": image encoder folder not found");
        }
        ClipVisionConfig config = ClipVisionConfig.load(dir);
        Device device = DjlRuntime.resolveDevice(options.device());
        DataType dtype = DjlRuntime.resolveDtype(options.dtype(), device);
        NDManager manager = NDManager.newBaseManager(device, DjlRuntime.ENGINE);
        try {
            ClipVisionModelWithProjection model = new ClipVisionModelWithProjection(config);
            Checkpoint weights = ModelFolder.load(model, dir, WEIGHTS, manager, dtype, device);
            List<Path> files = new ArrayList<>();
            files.add(dir.resolve(ModelFolder.CONFIG));
            files.addAll(weights.files());
            return new ImageEncoder(model, manager, dtype, Checksums.component("image_encoder", dir, files));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The side of the square images the tower takes. */
    public int imageSize() {
        return model.config().imageSize();
    }

    /** E, the size of its image embeddings. */
    public int embeddingDim() {
        return model.config().projectionDim();
    }

    public ModelIdentity.Component identity() {
        return identity;
    }

    /**
     * CLIP image embeddings of images given as channel-first RGB in [0, 1], {@code n * 3 * size * size} values.
     */
    public float[][] embed(float[] pixels, int n) {
        int size = imageSize();
        JniUtils.setGradMode(false);
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(pixels, new Shape(n, 3, size, size)).toType(dtype, false);
            NDArray out = model.forward(parameterStore, new NDList(ClipVisionModelWithProjection.normalize(x)), false)
                    .get(0).toType(DataType.FLOAT32, false);
            float[] flat = out.toFloatArray();
            int e = flat.length / n;
            float[][] rows = new float[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = java.util.Arrays.copyOfRange(flat, i * e, (i + 1) * e);
            }
            return rows;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}

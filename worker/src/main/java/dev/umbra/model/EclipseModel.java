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
import dev.umbra.model.checkpoint.StateDict;
import dev.umbra.model.clip.ClipTextConfig;
import dev.umbra.model.clip.ClipTextModelWithProjection;
import dev.umbra.model.prior.PriorConfig;
import dev.umbra.model.prior.PriorTransformer;
import dev.umbra.model.tokenizer.ClipTokenizer;
import dev.umbra.model.tokenizer.TokenizedBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A loaded ECLIPSE model: CLIP tokenizer, CLIP text encoder and ECLIPSE prior, run batched:
 * prompt -> (input_ids, attention_mask) -> (text_embeds, last_hidden_state) -> image_embeds.
 *
 * <p>Owns the native memory of its weights and frees it on {@link #close()}. Each {@link #embed} call works
 * in its own NDManager scope, freed before it returns, so a long-running worker does not grow. Safe to call
 * from several threads, though one inference thread per model is the intended use.
 */
public final class EclipseModel implements AutoCloseable {

    /** The text encoder's weights in its folder, as transformers names them (or the base of their shards). */
    public static final String TEXT_ENCODER_WEIGHTS = "model.safetensors";
    /** The prior's weights in its folder, as diffusers names them. */
    public static final String PRIOR_WEIGHTS = "diffusion_pytorch_model.safetensors";
    // Buffers that some transformers exports carry beside the parameters.
    private static final Set<String> TEXT_ENCODER_BUFFERS = Set.of("text_model.embeddings.position_ids");

    private final ClipTokenizer tokenizer;
    private final ClipTextModelWithProjection textEncoder;
    private final PriorTransformer prior;
    private final NDManager manager;
    private final ParameterStore parameterStore;
    private final Device device;
    private final DataType dtype;
    private final ModelIdentity identity;

    private EclipseModel(ClipTokenizer tokenizer, ClipTextModelWithProjection textEncoder, PriorTransformer prior,
                         NDManager manager, Device device, DataType dtype, ModelIdentity identity) {
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.prior = prior;
        this.manager = manager;
        this.parameterStore = new ParameterStore(manager, false);
        this.device = device;
        this.dtype = dtype;
        this.identity = identity;
    }

    /** Loads the three parts; a {@link ModelException} names the file and the problem. */
    public static EclipseModel load(ModelPaths paths, RuntimeOptions options) {
        return load(paths, options, paths.prior().toAbsolutePath().normalize().getParent().getFileName().toString());
    }

    public static EclipseModel load(ModelPaths paths, RuntimeOptions options, String name) {
        requireDir(paths.tokenizer(), "tokenizer");
        requireDir(paths.textEncoder(), "text encoder");
        requireDir(paths.prior(), "prior");
        ClipTextConfig textConfig = ClipTextConfig.load(paths.textEncoder());
        PriorConfig priorConfig = PriorConfig.load(paths.prior());
        checkCompatible(paths, textConfig, priorConfig);
        Checkpoint textWeights = Checkpoint.open(paths.textEncoder(), TEXT_ENCODER_WEIGHTS);
        Checkpoint priorWeights = Checkpoint.open(paths.prior(), PRIOR_WEIGHTS);

        Device device = DjlRuntime.resolveDevice(options.device());
        DataType dtype = DjlRuntime.resolveDtype(options.dtype(), device);
        ClipTokenizer tokenizer = ClipTokenizer.load(paths.tokenizer(), options.padTokenId());
        NDManager manager = NDManager.newBaseManager(device, DjlRuntime.ENGINE);
        try {
            ClipTextModelWithProjection textEncoder = new ClipTextModelWithProjection(textConfig);
            StateDict.load(textEncoder, textWeights, manager, dtype, device, TEXT_ENCODER_BUFFERS);
            PriorTransformer prior = new PriorTransformer(priorConfig);
            StateDict.load(prior, priorWeights, manager, dtype, device, Set.of());
            ModelIdentity identity = new ModelIdentity(name, List.of(
                    Checksums.component("tokenizer", paths.tokenizer(), List.of(tokenizerFile(paths.tokenizer()))),
                    Checksums.component("text_encoder", paths.textEncoder(),
                            withConfig(paths.textEncoder(), textWeights.files())),
                    Checksums.component("prior", paths.prior(), withConfig(paths.prior(), priorWeights.files()))));
            return new EclipseModel(tokenizer, textEncoder, prior, manager, device, dtype, identity);
        } catch (RuntimeException e) {
            manager.close();
            tokenizer.close();
            throw e;
        }
    }

    private static void requireDir(Path dir, String what) {
        if (!Files.isDirectory(dir)) {
            throw new ModelException(dir + ": " + what + " folder not found");
        }
    }

    private static Path tokenizerFile(Path p) {
        return Files.isDirectory(p) ? p.resolve("tokenizer.json") : p;
    }

    private static List<Path> withConfig(Path dir, List<Path> weights) {
        List<Path> files = new ArrayList<>();
        files.add(dir.resolve("config.json"));
        files.addAll(weights);
        return files;
    }

    private static void checkCompatible(ModelPaths paths, ClipTextConfig text, PriorConfig prior) {
        int e = prior.embeddingDim();
        if (text.hiddenSize() != e || text.projectionDim() != e) {
            throw new ModelException(paths.prior().resolve(PriorConfig.FILE) + ": embedding_dim = " + e
                    + " does not fit the text encoder (" + paths.textEncoder().resolve(ClipTextConfig.FILE)
                    + ": hidden_size = " + text.hiddenSize() + ", projection_dim = " + text.projectionDim() + ")");
        }
        if (prior.numEmbeddings() != ClipTokenizer.CONTEXT_LENGTH) {
            throw new ModelException(paths.prior().resolve(PriorConfig.FILE) + ": num_embeddings = "
                    + prior.numEmbeddings() + " is not supported (the prior reads CLIP's "
                    + ClipTokenizer.CONTEXT_LENGTH + " tokens)");
        }
        if (text.maxPositionEmbeddings() < ClipTokenizer.CONTEXT_LENGTH) {
            throw new ModelException(paths.textEncoder().resolve(ClipTextConfig.FILE) + ": max_position_embeddings = "
                    + text.maxPositionEmbeddings() + " is below CLIP's " + ClipTokenizer.CONTEXT_LENGTH + " tokens");
        }
    }

    /**
     * Runs N rows through tokenizer, text encoder and prior in one batch.
     *
     * @param prompts          N prompts (repeat a prompt for several images)
     * @param noise            [N][E] prior noise rows
     * @param keepHiddenStates whether to copy the [N,77,H] last_hidden_state out (large; only the CLI needs it)
     */
    public EmbeddingResult embed(List<String> prompts, float[][] noise, boolean keepHiddenStates) {
        int n = prompts.size();
        int e = embeddingDim();
        if (noise.length != n) {
            throw new IllegalArgumentException("noise has " + noise.length + " rows for " + n + " prompts");
        }
        for (int i = 0; i < n; i++) {
            if (noise[i].length != e) {
                throw new IllegalArgumentException("noise row " + i + " has " + noise[i].length
                        + " values; the prior needs embedding_dim = " + e);
            }
        }
        long t0 = System.nanoTime();
        TokenizedBatch tokens = tokenizer.encode(prompts);
        long t1 = System.nanoTime();
        if (n == 0) {
            return new EmbeddingResult(tokens.inputIds(), tokens.attentionMask(), new float[0][],
                    keepHiddenStates ? new float[0][][] : null, new float[0][], new StageTimings(ms(t0, t1), 0, 0));
        }
        // Inference needs no autograd graph, even for parameters created trainable.
        JniUtils.setGradMode(false);
        try (NDManager scope = manager.newSubManager()) {
            int t = ClipTokenizer.CONTEXT_LENGTH;
            NDArray ids = scope.create(flatten(tokens.inputIds()), new Shape(n, t));
            NDArray mask = scope.create(flatten(tokens.attentionMask()), new Shape(n, t));
            NDList text = textEncoder.forward(parameterStore, new NDList(ids), false);
            NDArray textEmbeds = text.get(0);
            NDArray lastHiddenState = text.get(1);
            float[][] textOut = rows(textEmbeds, n);   // also waits for the device, so the stage time is honest
            long t2 = System.nanoTime();
            NDArray noiseArray = scope.create(flatten(noise), new Shape(n, e)).toType(dtype, false);
            NDArray imageEmbeds = prior.forward(parameterStore,
                    new NDList(noiseArray, textEmbeds, lastHiddenState, mask), false).singletonOrThrow();
            float[][] imageOut = rows(imageEmbeds, n);
            long t3 = System.nanoTime();
            float[][][] hidden = keepHiddenStates ? hiddenStates(lastHiddenState, n, t) : null;
            return new EmbeddingResult(tokens.inputIds(), tokens.attentionMask(), textOut, hidden, imageOut,
                    new StageTimings(ms(t0, t1), ms(t1, t2), ms(t2, t3)));
        }
    }

    /** E: the size of a CLIP image embedding and of a noise row. */
    public int embeddingDim() {
        return prior.config().embeddingDim();
    }

    public ModelIdentity identity() {
        return identity;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public ClipTextModelWithProjection textEncoder() {
        return textEncoder;
    }

    public PriorTransformer prior() {
        return prior;
    }

    public Device device() {
        return device;
    }

    public DataType dtype() {
        return dtype;
    }

    @Override
    public void close() {
        manager.close();
        tokenizer.close();
    }

    private static double ms(long from, long to) {
        return (to - from) / 1e6;
    }

    private static float[][] rows(NDArray array, int n) {
        float[] flat = array.toType(DataType.FLOAT32, false).toFloatArray();
        int width = flat.length / n;
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * width, (i + 1) * width);
        }
        return out;
    }

    private static float[][][] hiddenStates(NDArray array, int n, int t) {
        float[] flat = array.toType(DataType.FLOAT32, false).toFloatArray();
        int h = flat.length / (n * t);
        float[][][] out = new float[n][t][];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < t; j++) {
                int from = (i * t + j) * h;
                out[i][j] = java.util.Arrays.copyOfRange(flat, from, from + h);
            }
        }
        return out;
    }

    static long[] flatten(long[][] rows) {
        int width = rows.length == 0 ? 0 : rows[0].length;
        long[] flat = new long[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * width, width);
        }
        return flat;
    }

    static float[] flatten(float[][] rows) {
        int width = rows.length == 0 ? 0 : rows[0].length;
        float[] flat = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * width, width);
        }
        return flat;
    }
}

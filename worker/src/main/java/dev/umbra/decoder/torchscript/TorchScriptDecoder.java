package dev.umbra.decoder.torchscript;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import dev.umbra.decoder.DecodeOptions;
import dev.umbra.decoder.DecodeRequest;
import dev.umbra.decoder.DecodedImage;
import dev.umbra.decoder.ImageDecoder;
import dev.umbra.io.Npy;
import dev.umbra.model.Checksums;
import dev.umbra.model.DjlRuntime;
import dev.umbra.model.ModelException;
import dev.umbra.model.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A diffusion decoder run in-process: a UNet and a VQ/MoVQ image decoder as TorchScript files (Kandinsky 2.2's,
 * exported by {@code deploy/decoder-torchscript/export.py}) through DJL's PyTorch engine, with the sampling loop and
 * classifier-free guidance here in Java.
 *
 * <p>Per decode call: requests are grouped by their resolved steps and size (a request's {@link DecodeOptions}
 * replace the defaults of decoder.json); each group runs as one batch. At every step the UNet sees, for each
 * request with guidance above 1, its negative and its image embedding (rows [negative; positive], the negative
 * being zeros, or decoder.json's {@code unconditional_embedding}, when the request has none), and for a request with
 * guidance 1 only its image embedding. The guided prediction drives a {@link Sampler}; movq.pt turns the final
 * latents into pixels, mapped from the output range to 0..255.
 *
 * <p>Each request's noise comes from its own seed ({@link SeededNoise}), so a picture does not depend on what else
 * shares its batch. Not thread-safe: a decoder pool gives each thread its own instance.
 */
public final class TorchScriptDecoder implements ImageDecoder {

    public static final String UNET = "unet.pt";
    public static final String MOVQ = "movq.pt";
    /** Largest width or height a request may ask for: beyond it one picture's activations outgrow any device. */
    public static final int MAX_SIDE = 4096;

    /** A picture before quantisation: [3, height, width] in the decoder's output range, unclamped. */
    public record Rendered(int width, int height, float[] chw) {}

    /** A request's settings, its options resolved against the defaults. */
    public record Plan(int steps, float guidance, int width, int height) {
        boolean guided() {
            return guidance > 1;
        }
    }

    private record Group(int steps, int width, int height) {}

    private final Path dir;
    private final TorchScriptDecoderConfig config;
    private final NoiseSchedule schedule;
    private final Sampler sampler;
    private final ZooModel<NDList, NDList> unet;
    private final ZooModel<NDList, NDList> movq;
    private final NDManager manager;
    private final ParameterStore parameterStore;
    private final DataType dtype;
    private final float[] unconditional;
    private final String identity;
    private final String weightsSha256;

    private TorchScriptDecoder(Path dir, TorchScriptDecoderConfig config, ZooModel<NDList, NDList> unet,
                               ZooModel<NDList, NDList> movq, NDManager manager, float[] unconditional,
                               String identity, String weightsSha256) {
        this.dir = dir;
        this.config = config;
        this.schedule = new NoiseSchedule(config.scheduler());
        this.sampler = Sampler.of(config.sampler(), schedule);
        this.unet = unet;
        this.movq = movq;
        this.manager = manager;
        this.parameterStore = new ParameterStore(manager, false);
        this.dtype = config.dtype().equals("float16") ? DataType.FLOAT16 : DataType.FLOAT32;
        this.unconditional = unconditional;
        this.identity = identity;
        this.weightsSha256 = weightsSha256;
    }

    /** Loads {@code dir} (unet.pt, movq.pt, decoder.json) on the runtime's device. */
    public static TorchScriptDecoder load(Path dir, RuntimeOptions runtime) {
        if (!Files.isDirectory(dir)) {
            throw new ModelException(dir + ": TorchScript decoder folder not found");
        }
        return load(dir, TorchScriptDecoderConfig.load(dir), runtime);
    }

    /**
     * Loads the files of {@code dir} with {@code config} (decoder.json's, possibly changed), and checks with one small
     * forward pass that they take and give what the config says.
     *
     * @throws ModelException naming the file and the problem
     */
    public static TorchScriptDecoder load(Path dir, TorchScriptDecoderConfig config, RuntimeOptions runtime) {
        Path unetFile = dir.resolve(UNET);
        Path movqFile = dir.resolve(MOVQ);
        for (Path f : List.of(unetFile, movqFile)) {
            if (!Files.isRegularFile(f)) {
                throw new ModelException(f + ": file not found (deploy/decoder-torchscript/export.py writes it)");
            }
        }
        float[] unconditional = config.unconditionalEmbedding() == null ? null
                : readUnconditional(dir.resolve(config.unconditionalEmbedding()), config.embeddingDim());
        // every file that decides the pictures: the weights, the schedule and defaults, the unconditional embedding
        List<Path> files = new ArrayList<>(List.of(unetFile, movqFile, dir.resolve(TorchScriptDecoderConfig.FILE)));
        if (config.unconditionalEmbedding() != null) {
            files.add(dir.resolve(config.unconditionalEmbedding()));
        }
        String sha256 = Checksums.sha256Once(files);
        String identity = "torchscript-decoder:" + folderName(dir) + "@" + sha256.substring(0, 16);
        Device device = DjlRuntime.resolveDevice(runtime.device());
        NDManager manager = NDManager.newBaseManager(device, DjlRuntime.ENGINE);
        ZooModel<NDList, NDList> unet = null;
        ZooModel<NDList, NDList> movq = null;
        try {
            unet = loadScript(unetFile, device);
            movq = loadScript(movqFile, device);
            TorchScriptDecoder decoder = new TorchScriptDecoder(dir, config, unet, movq, manager, unconditional,
                    identity, sha256);
            decoder.checkShapes();
            return decoder;
        } catch (RuntimeException e) {
            if (movq != null) {
                movq.close();
            }
            if (unet != null) {
                unet.close();
            }
            manager.close();
            throw e;
        }
    }

    private static ZooModel<NDList, NDList> loadScript(Path file, Device device) {
        DjlRuntime.ensureOffline();
        String name = file.getFileName().toString();
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                // the folder and a name, not the file: DJL warns about a repository that is a bare file
                .optModelPath(file.getParent())
                .optModelName(name.substring(0, name.length() - ".pt".length()))
                .optEngine(DjlRuntime.ENGINE)
                .optDevice(device)
                .optOption("mapLocation", "true")
                .build();
        try {
            return criteria.loadModel();
        } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
            throw new ModelException(file + ": cannot load as TorchScript (" + firstLine(e) + ")", e);
        }
    }

    /**
     * One row at the default size through both files: catches files that do not match decoder.json at load, not at
     * the first request, and at the size most requests ask for (a trace may hold only near the size it was made at).
     */
    private void checkShapes() {
        int h = config.defaults().height() / config.vaeScaleFactor();
        int w = config.defaults().width() / config.vaeScaleFactor();
        String input = "latents [1, " + config.latentChannels() + ", " + h + ", " + w + "]";
        float[] latents = new float[config.latentChannels() * h * w];
        Shape unetOut;
        Shape movqOut;
        JniUtils.setGradMode(false);
        try (NDManager scope = manager.newSubManager()) {
            NDList out = runUnet(scope, latents, 1, h, w, 0, new float[config.embeddingDim()]);
            unetOut = out.singletonOrThrow().getShape();
            movqOut = runMovq(scope, latents, 1, h, w).getShape();
        } catch (RuntimeException e) {
            throw new ModelException(dir + ": the TorchScript files do not run on inputs shaped as decoder.json says ("
                    + input + ", image_embeds [1, " + config.embeddingDim() + "]): " + firstLine(e), e);
        }
        Shape wantUnet = new Shape(1, config.unetOutChannels(), h, w);
        if (!unetOut.equals(wantUnet)) {
            throw new ModelException(dir.resolve(UNET) + ": gives " + unetOut + " for " + input
                    + "; decoder.json says " + wantUnet);
        }
        Shape wantMovq = new Shape(1, 3, config.defaults().height(), config.defaults().width());
        if (!movqOut.equals(wantMovq)) {
            throw new ModelException(dir.resolve(MOVQ) + ": gives " + movqOut + " for " + input
                    + "; decoder.json says " + wantMovq);
        }
    }

    @Override
    public List<DecodedImage> decode(List<DecodeRequest> requests) {
        List<Rendered> rendered = render(requests, NoiseSource.seeded());
        List<DecodedImage> out = new ArrayList<>(rendered.size());
        for (Rendered r : rendered) {
            out.add(toImage(r, config.outputRange()));
        }
        return out;
    }

    /**
     * The loop itself, with the noise from {@code noise} (tests inject a reference's): one picture per request, in
     * order, before quantisation.
     *
     * @throws IllegalArgumentException if a request's embedding or options are not what this decoder takes
     */
    public List<Rendered> render(List<DecodeRequest> requests, NoiseSource noise) {
        int n = requests.size();
        Plan[] plans = new Plan[n];
        Map<Group, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            plans[i] = plan(requests.get(i), i);
            groups.computeIfAbsent(new Group(plans[i].steps(), plans[i].width(), plans[i].height()),
                    g -> new ArrayList<>()).add(i);
        }
        Rendered[] out = new Rendered[n];
        JniUtils.setGradMode(false); // per thread in libtorch: set on the calling thread
        try (NDManager call = manager.newSubManager()) {
            for (Map.Entry<Group, List<Integer>> g : groups.entrySet()) {
                renderGroup(call, g.getKey(), g.getValue(), requests, plans, noise, out);
            }
        }
        return Arrays.asList(out);
    }

    /**
     * A request's steps, guidance and size: its own options or the defaults, checked.
     *
     * @throws IllegalArgumentException naming the request, the value and what is allowed
     */
    public Plan plan(DecodeRequest r, int index) {
        String which = "request " + index + ": ";
        if (r.imageEmbedding().length != config.embeddingDim()) {
            throw new IllegalArgumentException(which + "the image embedding has " + r.imageEmbedding().length
                    + " values; this decoder takes " + config.embeddingDim());
        }
        DecodeOptions o = r.options();
        TorchScriptDecoderConfig.Defaults d = config.defaults();
        int steps = o.steps() != null ? o.steps() : d.steps();
        float guidance = o.guidance() != null ? o.guidance() : d.guidance();
        int width = o.width() != null ? o.width() : d.width();
        int height = o.height() != null ? o.height() : d.height();
        int maxSteps = config.scheduler().numTrainTimesteps();
        if (steps < 1 || steps > maxSteps) {
            throw new IllegalArgumentException(which + "steps must be between 1 and " + maxSteps + " (got " + steps
                    + ")");
        }
        if (!(guidance >= 1) || Float.isInfinite(guidance)) {
            throw new IllegalArgumentException(which + "guidance must be a number of at least 1, 1 meaning no"
                    + " classifier-free guidance (got " + guidance + ")");
        }
        int m = config.sizeMultiple();
        for (int side : new int[] {width, height}) {
            if (side < m || side > MAX_SIDE || side % m != 0) {
                throw new IllegalArgumentException(which + "width and height must be multiples of " + m
                        + " from " + m + " to " + MAX_SIDE + " (got " + width + "x" + height + ")");
            }
        }
        try {
            schedule.timesteps(steps);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(which + e.getMessage(), e);
        }
        return new Plan(steps, guidance, width, height);
    }

    private void renderGroup(NDManager call, Group g, List<Integer> members, List<DecodeRequest> requests,
            Plan[] plans, NoiseSource noise, Rendered[] out) {
        int f = config.vaeScaleFactor();
        int h = g.height() / f;
        int w = g.width() / f;
        int c = config.latentChannels();
        int length = c * h * w;
        int e = config.embeddingDim();
        int k = members.size();
        // rows: per request its negative (when guided), then its image embedding
        int[] firstRow = new int[k];
        int rows = 0;
        for (int j = 0; j < k; j++) {
            firstRow[j] = rows;
            rows += plans[members.get(j)].guided() ? 2 : 1;
        }
        float[] embeds = new float[rows * e];
        float[][] latents = new float[k][];
        NoiseSource.Stream[] streams = new NoiseSource.Stream[k];
        for (int j = 0; j < k; j++) {
            int i = members.get(j);
            DecodeRequest r = requests.get(i);
            int row = firstRow[j];
            if (plans[i].guided()) {
                float[] negative = r.negativeEmbedding() != null ? r.negativeEmbedding() : unconditional;
                if (negative != null) {
                    System.arraycopy(negative, 0, embeds, row * e, e);
                } // else zeros, as the array was made
                row++;
            }
            System.arraycopy(r.imageEmbedding(), 0, embeds, row * e, e);
            streams[j] = noise.open(i, r);
            latents[j] = checked(streams[j].initial(length), length, i, "initial noise");
        }
        int rowLength = config.unetOutChannels() * h * w;
        int[] timesteps = schedule.timesteps(g.steps());
        float[] batch = new float[rows * length];
        for (int s = 0; s < timesteps.length; s++) {
            int t = timesteps[s];
            for (int j = 0; j < k; j++) {
                System.arraycopy(latents[j], 0, batch, firstRow[j] * length, length);
                if (plans[members.get(j)].guided()) {
                    System.arraycopy(latents[j], 0, batch, (firstRow[j] + 1) * length, length);
                }
            }
            float[] prediction;
            try (NDManager step = call.newSubManager()) {
                prediction = toFloats(runUnet(step, batch, rows, h, w, t, embeds).singletonOrThrow());
            }
            for (int j = 0; j < k; j++) {
                Plan p = plans[members.get(j)];
                float[] eps = p.guided()
                        ? ClassifierFreeGuidance.guided(prediction, rowLength, length, firstRow[j], firstRow[j] + 1,
                                p.guidance())
                        : ClassifierFreeGuidance.conditional(prediction, rowLength, length, firstRow[j]);
                float[] stepNoise = sampler.needsNoise(t)
                        ? checked(streams[j].step(s, length), length, members.get(j), "step " + s + " noise") : null;
                sampler.step(eps, t, g.steps(), latents[j], stepNoise);
            }
        }
        float[] all = new float[k * length];
        for (int j = 0; j < k; j++) {
            System.arraycopy(latents[j], 0, all, j * length, length);
        }
        float[] pixels;
        try (NDManager step = call.newSubManager()) {
            pixels = toFloats(runMovq(step, all, k, h, w));
        }
        int plane = 3 * g.width() * g.height();
        for (int j = 0; j < k; j++) {
            out[members.get(j)] = new Rendered(g.width(), g.height(), Arrays.copyOfRange(pixels, j * plane,
                    (j + 1) * plane));
        }
    }

    private NDList runUnet(NDManager scope, float[] latents, int rows, int h, int w, int timestep, float[] embeds) {
        long[] t = new long[rows];
        Arrays.fill(t, timestep);
        NDArray sample = scope.create(latents, new Shape(rows, config.latentChannels(), h, w)).toType(dtype, false);
        NDArray cond = scope.create(embeds, new Shape(rows, config.embeddingDim())).toType(dtype, false);
        // the outputs belong to the first input's manager: scope, closed by the caller
        return unet.getBlock().forward(parameterStore, new NDList(sample, scope.create(t), cond), false);
    }

    private NDArray runMovq(NDManager scope, float[] latents, int rows, int h, int w) {
        NDArray x = scope.create(latents, new Shape(rows, config.latentChannels(), h, w)).toType(dtype, false);
        return movq.getBlock().forward(parameterStore, new NDList(x), false).singletonOrThrow();
    }

    private static float[] toFloats(NDArray a) {
        return a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    private static float[] checked(float[] noise, int length, int request, String what) {
        if (noise == null || noise.length != length) {
            throw new IllegalArgumentException("request " + request + ": the " + what + " has "
                    + (noise == null ? "no" : noise.length) + " values, the latent " + length);
        }
        return noise;
    }

    /** Pixels of the output range to 0..255 RGB, rounded half to even as NumPy's {@code round} before uint8. */
    static DecodedImage toImage(Rendered r, TorchScriptDecoderConfig.OutputRange range) {
        int plane = r.width() * r.height();
        int[] rgb = new int[plane];
        float[] x = r.chw();
        for (int p = 0; p < plane; p++) {
            int red = level(range, x[p]);
            int green = level(range, x[plane + p]);
            int blue = level(range, x[2 * plane + p]);
            rgb[p] = red << 16 | green << 8 | blue;
        }
        return new DecodedImage(r.width(), r.height(), rgb);
    }

    private static int level(TorchScriptDecoderConfig.OutputRange range, float x) {
        return (int) Math.rint(range.toUnit(x) * 255);
    }

    private static float[] readUnconditional(Path file, int dim) {
        Npy.Array a;
        try {
            a = Npy.read(file);
        } catch (IOException e) {
            throw new ModelException(file + ": " + firstLine(e), e);
        }
        if (a.size() != dim || a.shape().length > 2) {
            throw new ModelException(file + ": shape " + Arrays.toString(a.shape()) + ", expected [" + dim + "]");
        }
        float[] out = new float[dim];
        for (int i = 0; i < dim; i++) {
            out[i] = (float) a.values()[i];
        }
        return out;
    }

    private static String folderName(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return name == null ? dir.toString() : name.toString();
    }

    /** One line of an error: libtorch's own (its last, "RuntimeError: ...") after a TorchScript traceback. */
    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        String[] lines = m.split("\n");
        for (int i = lines.length - 1; i > 0; i--) {
            if (lines[i].matches("^\\w*(Error|Exception): .*")) {
                return lines[i].trim();
            }
        }
        return lines[0].trim();
    }

    public TorchScriptDecoderConfig config() {
        return config;
    }

    public Sampler.Kind sampler() {
        return sampler.kind();
    }

    @Override
    public int embeddingDim() {
        return config.embeddingDim();
    }

    @Override
    public String identity() {
        return identity;
    }

    /** SHA-256 of unet.pt, movq.pt and decoder.json (and the unconditional embedding, if any), one after another. */
    @Override
    public String weightsSha256() {
        return weightsSha256;
    }

    @Override
    public void close() {
        movq.close();
        unet.close();
        manager.close();
    }
}

package dev.umbra.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import dev.umbra.model.DjlRuntime;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.checkpoint.StateDict;
import dev.umbra.model.clip.ClipTextConfig;
import dev.umbra.model.nn.HfBlock;
import dev.umbra.model.prior.PriorConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The sizes the benchmarks run at and their random inputs. Real-size models get random weights from the
 * blocks' own initializers ({@link HfBlock#initialize}): speed does not depend on the values, and this
 * skips writing and mapping a 2.8 GB checkpoint for bigG.
 */
final class BenchModels {

    static final int CONTEXT = 77;
    static final long BOS = 49406;
    static final long EOS = 49407;

    /** The ECLIPSE prior for Kandinsky v2.2 (ECLIPSE-SPEC section 2). */
    static final PriorConfig KANDINSKY_PRIOR = new PriorConfig(16, 32, 10, 1280, 77, 3);
    static final long KANDINSKY_PRIOR_PARAMS = 34_193_152L;
    /** The ECLIPSE prior for Karlo: the same network with E=768. */
    static final PriorConfig KARLO_PRIOR = new PriorConfig(16, 32, 10, 768, 77, 3);
    static final long KARLO_PRIOR_PARAMS = 33_143_040L;
    /** CLIP ViT-L/14 text tower (Karlo's encoder). */
    static final ClipTextConfig VIT_L_TEXT =
            new ClipTextConfig(49408, 768, 3072, 768, 12, 12, 77, "quick_gelu", 1e-5, EOS);
    static final long VIT_L_TEXT_PARAMS = 123_650_304L;
    /** CLIP ViT-bigG/14 text tower (Kandinsky v2.2's encoder). */
    static final ClipTextConfig BIGG_TEXT =
            new ClipTextConfig(49408, 1280, 5120, 1280, 32, 20, 77, "gelu", 1e-5, EOS);
    static final long BIGG_TEXT_PARAMS = 694_659_840L;

    private static final String[] PROMPT_FILES = {
        "color_val.txt", "non_spatial_val.txt", "shape_val.txt", "spatial_val.txt", "texture_val.txt"};

    private BenchModels() {}

    static PriorConfig prior(String name) {
        switch (name) {
            case "tiny":
                return PriorConfig.load(EmbeddedModels.tinyModelDir().resolve("prior"));
            case "kandinsky":
                return KANDINSKY_PRIOR;
            case "karlo":
                return KARLO_PRIOR;
            default:
                throw new IllegalArgumentException("unknown prior size \"" + name + "\" (tiny, kandinsky, karlo)");
        }
    }

    static ClipTextConfig text(String name) {
        switch (name) {
            case "tiny":
                return ClipTextConfig.load(EmbeddedModels.tinyModelDir().resolve("text_encoder"));
            case "vit-l-14":
                return VIT_L_TEXT;
            case "bigg-14":
                return BIGG_TEXT;
            default:
                throw new IllegalArgumentException("unknown text encoder size \"" + name + "\" (tiny, vit-l-14, bigg-14)");
        }
    }

    static NDManager newManager() {
        DjlRuntime.ensureOffline();
        return NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE);
    }

    /** Gives every parameter its config shape and a random value, in fp32 on the CPU. */
    static <B extends HfBlock> B randomWeights(B block, NDManager manager, long seed) {
        Engine.getEngine(DjlRuntime.ENGINE).setRandomSeed((int) seed);
        block.initialize(manager, DataType.FLOAT32, new Shape(1));
        return block;
    }

    static long parameterCount(HfBlock block) {
        long n = 0;
        for (Parameter p : StateDict.parameters(block).values()) {
            n += p.getArray().size();
        }
        return n;
    }

    static void requireCount(String what, HfBlock block, long expected) {
        long n = parameterCount(block);
        if (n != expected) {
            throw new IllegalStateException(what + " has " + n + " parameters, the spec says " + expected);
        }
    }

    /** [B,77] ids as CLIP frames them: start, 4 to 20 random word ids, end, then padding 0. */
    static NDArray inputIds(NDManager manager, int batch, long seed) {
        Random r = new Random(seed);
        long[] ids = new long[batch * CONTEXT];
        for (int i = 0; i < batch; i++) {
            int words = 4 + r.nextInt(17);
            ids[i * CONTEXT] = BOS;
            for (int j = 1; j <= words; j++) {
                ids[i * CONTEXT + j] = 1 + r.nextInt(49405);
            }
            ids[i * CONTEXT + words + 1] = EOS;
        }
        return manager.create(ids, new Shape(batch, CONTEXT));
    }

    /** The prior's inputs for a batch: noise, text_embeds, last_hidden_state, attention_mask. */
    static NDList priorInputs(NDManager manager, int batch, int e, long seed) {
        NDArray ids = inputIds(manager, batch, seed);
        NDArray mask = ids.neq(0).toType(DataType.INT64, false);
        Engine.getEngine(DjlRuntime.ENGINE).setRandomSeed((int) seed);
        return new NDList(
                manager.randomNormal(new Shape(batch, e)),
                manager.randomNormal(new Shape(batch, e)),
                manager.randomNormal(new Shape(batch, CONTEXT, e)),
                mask);
    }

    /** A copy of {@code inputs} owned by {@code scope}, so that every result computed from it is freed with it. */
    static NDList copyInto(NDList inputs, NDManager scope) {
        NDList out = new NDList(inputs.size());
        for (NDArray a : inputs) {
            NDArray copy = a.duplicate();
            copy.attach(scope);
            out.add(copy);
        }
        return out;
    }

    /** Random weights must not overflow: NaN or infinity would time a different computation. */
    static void requireFinite(String what, float[] values) {
        for (float f : values) {
            if (!Float.isFinite(f)) {
                throw new IllegalStateException(what + " produced a non-finite value: " + f);
            }
        }
    }

    /** libtorch's thread settings, printed by each benchmark's setup so that the logs record them. */
    static String threads() {
        return "intra-op threads " + JniUtils.getNumThreads() + ", inter-op threads " + JniUtils.getNumInteropThreads();
    }

    /** All T2I-CompBench validation prompts shipped in the jar. */
    static List<String> prompts() {
        List<String> out = new ArrayList<>();
        for (String file : PROMPT_FILES) {
            try (InputStream in = BenchModels.class.getResourceAsStream("/umbra/prompts/" + file)) {
                if (in == null) {
                    throw new IllegalStateException("prompts resource /umbra/prompts/" + file + " is missing");
                }
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                reader.lines().filter(l -> !l.isBlank()).forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }
}

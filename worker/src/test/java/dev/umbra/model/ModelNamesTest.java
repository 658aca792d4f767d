package dev.umbra.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.umbra.model.checkpoint.StateDict;
import dev.umbra.model.clip.ClipTextConfig;
import dev.umbra.model.clip.ClipTextModelWithProjection;
import dev.umbra.model.prior.PriorConfig;
import dev.umbra.model.prior.PriorTransformer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The DJL blocks carry exactly the Hugging Face state-dict names and shapes (checked against the golden
 * safetensors headers, read here by hand), and they train: a backward pass reaches every parameter.
 */
class ModelNamesTest {

    /** name -> shape from a safetensors header, parsed by hand per the format (u64 LE length, then JSON). */
    private static Map<String, List<Long>> header(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            long n = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            JsonObject json = JsonParser.parseString(new String(in.readNBytes((int) n), StandardCharsets.UTF_8))
                    .getAsJsonObject();
            Map<String, List<Long>> out = new TreeMap<>();
            for (Map.Entry<String, JsonElement> e : json.entrySet()) {
                if (!e.getKey().equals("__metadata__")) {
                    List<Long> shape = new java.util.ArrayList<>();
                    e.getValue().getAsJsonObject().getAsJsonArray("shape").forEach(d -> shape.add(d.getAsLong()));
                    out.put(e.getKey(), shape);
                }
            }
            return out;
        }
    }

    private static Map<String, List<Long>> djlShapes(Block block) {
        Map<String, List<Long>> out = new TreeMap<>();
        StateDict.shapes(block).forEach((k, s) -> out.put(k, Arrays.stream(s.getShape()).boxed().toList()));
        return out;
    }

    @Test
    void textEncoderParametersAreTheCheckpointKeys() throws IOException {
        Path dir = EmbeddedModels.tinyModelDir().resolve("text_encoder");
        ClipTextModelWithProjection model = new ClipTextModelWithProjection(ClipTextConfig.load(dir));
        Map<String, List<Long>> expected = header(dir.resolve("model.safetensors"));
        assertEquals(expected.keySet(), new TreeMap<>(StateDict.parameters(model)).keySet());
        assertEquals(expected, djlShapes(model));
        // 2 layers x 16 + embeddings 2 + final norm 2 + projection 1
        assertEquals(37, expected.size());
        assertTrue(expected.containsKey("text_model.encoder.layers.1.self_attn.q_proj.weight"));
        assertFalse(expected.containsKey("text_projection.bias"), "CLIP's projection has no bias");
    }

    @Test
    void priorParametersAreTheCheckpointKeys() throws IOException {
        Path dir = EmbeddedModels.tinyModelDir().resolve("prior");
        PriorTransformer model = new PriorTransformer(PriorConfig.load(dir));
        Map<String, List<Long>> expected = header(dir.resolve("diffusion_pytorch_model.safetensors"));
        assertEquals(expected.keySet(), new TreeMap<>(StateDict.parameters(model)).keySet());
        assertEquals(expected, djlShapes(model));
        // 2 blocks x 16 + proj_in, embedding_proj, encoder_hidden_states_proj, norm_out, proj_to_clip 2 each
        // + positional_embedding, prd_embedding, clip_mean, clip_std
        assertEquals(46, expected.size());
        assertTrue(expected.containsKey("transformer_blocks.0.attn1.to_out.0.weight"));
        assertTrue(expected.containsKey("transformer_blocks.1.ff.net.2.bias"));
        assertFalse(expected.keySet().stream().anyMatch(k -> k.startsWith("time_")), "ECLIPSE has no time token");
    }

    // ---- training -------------------------------------------------------------------------------------

    /**
     * Gradients that are zero by the mathematics, not by a bug: {@code clip_mean}/{@code clip_std} are never
     * used by the forward pass, and a key bias ({@code to_k.bias}, {@code k_proj.bias}) adds q.b_k to every
     * score of a query row, which softmax cancels; its gradient is rounding noise.
     */
    private static boolean unused(String key) {
        return key.equals("clip_mean") || key.equals("clip_std");
    }

    private static boolean softmaxInvariant(String key) {
        return key.endsWith("to_k.bias") || key.endsWith("k_proj.bias");
    }

    private static double maxAbs(NDArray a) {
        return a.abs().max().getFloat();
    }

    /** Runs {@code forward} in training mode in a GradientCollector, MSE against {@code target}, backward. */
    private static NDArray trainStep(Block block, NDManager m, NDList inputs, NDArray target) {
        // As EclipseModel.embed leaves the thread: grad mode off. The collector must turn it back on.
        JniUtils.setGradMode(false);
        ParameterStore ps = new ParameterStore(m, false);
        NDArray out;
        try (GradientCollector gc = Engine.getEngine(DjlRuntime.ENGINE).newGradientCollector()) {
            assertTrue(JniUtils.isGradMode(), "a GradientCollector records");
            out = block.forward(ps, inputs, true).get(0);
            NDArray loss = out.sub(target).square().mean();
            gc.backward(loss);
        }
        assertFalse(JniUtils.isGradMode(), "closing the collector restores the previous grad mode");
        return out;
    }

    /** Measured: key biases at ~1e-9 of the largest gradient, every other parameter above ~5e-3 of it. */
    private static void assertEveryParameterHasAGradient(Block block) {
        double reference = 0;
        Map<String, Parameter> params = StateDict.parameters(block);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            reference = Math.max(reference, maxAbs(e.getValue().getArray().getGradient()));
        }
        assertTrue(reference > 0);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray value = e.getValue().getArray();
            assertTrue(value.hasGradient(), e.getKey() + " requires a gradient");
            NDArray grad = value.getGradient();
            assertEquals(value.getShape(), grad.getShape(), e.getKey());
            double g = maxAbs(grad);
            assertTrue(Double.isFinite(g), e.getKey() + " gradient is finite");
            if (unused(e.getKey())) {
                assertEquals(0.0, g, e.getKey() + " is not used by the forward pass");
            } else if (softmaxInvariant(e.getKey())) {
                assertTrue(g <= 1e-6 * reference, e.getKey() + " gradient " + g + " should vanish next to " + reference);
            } else {
                assertTrue(g > 1e-4 * reference, e.getKey() + " has no gradient (" + g + ")");
            }
        }
    }

    @Test
    void aRandomPriorTrains() {
        DjlRuntime.ensureOffline();
        PriorConfig config = new PriorConfig(2, 4, 2, 8, 77, 3); // D = 8, E = 8
        PriorTransformer prior = new PriorTransformer(config);
        int b = 3;
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            Engine.getEngine(DjlRuntime.ENGINE).setRandomSeed(7);
            prior.initialize(m, DataType.FLOAT32, new Shape(b, 8), new Shape(b, 8), new Shape(b, 77, 8), new Shape(b, 77));
            assertEquals(StateDict.shapes(prior).keySet(), StateDict.parameters(prior).keySet());
            StateDict.parameters(prior).forEach((k, p) ->
                    assertEquals(StateDict.shapes(prior).get(k), p.getArray().getShape(), k + " initialised to its config shape"));

            NDArray noise = m.randomNormal(new Shape(b, 8));
            NDArray text = m.randomNormal(new Shape(b, 8));
            NDArray hidden = m.randomNormal(new Shape(b, 77, 8));
            float[] maskValues = new float[b * 77];
            for (int i = 0; i < b; i++) {
                Arrays.fill(maskValues, i * 77, i * 77 + 3 + 5 * i, 1f); // 3, 8 and 13 real tokens
            }
            NDArray mask = m.create(maskValues, new Shape(b, 77)).toType(DataType.INT64, false);
            NDArray target = m.randomNormal(new Shape(b, 8));

            NDArray out = trainStep(prior, m, new NDList(noise, text, hidden, mask), target);
            assertEquals(new Shape(b, 8), out.getShape());
            assertEveryParameterHasAGradient(prior);

            // Independent check of one gradient: out = W h + bias, so dL/dbias_j = 2/(B*E) * sum_b (out - target)[b,j].
            float[] expected = out.sub(target).sum(new int[] {0}).mul(2f / (b * 8)).toFloatArray();
            float[] got = StateDict.parameters(prior).get("proj_to_clip_embeddings.bias").getArray().getGradient()
                    .toFloatArray();
            assertEquals(expected.length, got.length);
            for (int j = 0; j < expected.length; j++) {
                assertEquals(expected[j], got[j], 1e-6, "dL/d proj_to_clip_embeddings.bias[" + j + "]");
            }
        }
    }

    @Test
    void aRandomTextEncoderTrains() {
        DjlRuntime.ensureOffline();
        long eos = 99;
        ClipTextConfig config = new ClipTextConfig(100, 16, 32, 8, 2, 2, 77, "gelu", 1e-5, eos);
        ClipTextModelWithProjection encoder = new ClipTextModelWithProjection(config);
        int b = 2;
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            Engine.getEngine(DjlRuntime.ENGINE).setRandomSeed(11);
            encoder.initialize(m, DataType.FLOAT32, new Shape(b, 77));
            long[] ids = new long[b * 77];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (i * 37L) % 98; // every row uses most of the vocabulary, never 99
            }
            ids[10] = eos;
            ids[77 + 40] = eos;
            NDArray target = m.randomNormal(new Shape(b, 8));
            NDArray out = trainStep(encoder, m, new NDList(m.create(ids, new Shape(b, 77))), target);
            assertEquals(new Shape(b, 8), out.getShape());
            // A token row never looked up gets no gradient; the pooled end token's row does.
            NDArray tokenGrad = StateDict.parameters(encoder).get("text_model.embeddings.token_embedding.weight")
                    .getArray().getGradient();
            assertEquals(0.0, maxAbs(tokenGrad.get("98")), "id 98 is never used");
            assertTrue(maxAbs(tokenGrad.get("99")) > 0, "the end token is pooled");
            assertEveryParameterHasAGradient(encoder);
        }
    }

    @Test
    void trainingWorksOnTheThreadThatRanInference() throws IOException {
        // embed() switches grad mode off on its thread; a later collector on the same thread still records.
        try (EclipseModel model = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()),
                new RuntimeOptions("cpu", "float32", 0))) {
            EmbeddingResult r = model.embed(List.of("a cat"), new float[1][64], false);
            assertNotNull(r.imageEmbeds());
            assertFalse(JniUtils.isGradMode());
        }
        aRandomPriorTrains();
    }

    @Test
    void stateDictArraysAreTheParameterValues() {
        PriorTransformer prior = new PriorTransformer(new PriorConfig(2, 4, 1, 8, 77, 3));
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            prior.initialize(m, DataType.FLOAT32, new Shape(1, 8));
            Map<String, NDArray> arrays = StateDict.arrays(prior);
            assertEquals(StateDict.parameters(prior).keySet(), arrays.keySet());
            // diffusers' initial values where the class fixes them
            assertArrayEquals(new float[8], arrays.get("clip_mean").toFloatArray());
            float[] ones = new float[8];
            Arrays.fill(ones, 1f);
            assertArrayEquals(ones, arrays.get("clip_std").toFloatArray());
            assertArrayEquals(ones, arrays.get("norm_out.weight").toFloatArray());
        }
    }
}

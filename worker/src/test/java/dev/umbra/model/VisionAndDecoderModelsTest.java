package dev.umbra.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.umbra.decoder.shapes.ShapesDecoder;
import dev.umbra.decoder.shapes.ShapesDecoderConfig;
import dev.umbra.model.checkpoint.StateDict;
import dev.umbra.model.clip.ClipVisionConfig;
import dev.umbra.model.clip.ClipVisionModelWithProjection;
import dev.umbra.model.nn.GroupNorm;
import dev.umbra.model.prior.PriorConfig;
import dev.umbra.model.prior.PriorTransformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The classes the shapes world added to the model runtime: names, shapes and the exactness of shortcuts. */
class VisionAndDecoderModelsTest {

    /** transformers' CLIPVisionModelWithProjection state dict for 1 layer, written out by hand from modeling_clip.py. */
    @Test
    void visionTowerParameterNamesAreTransformersKeys() {
        ClipVisionConfig config = new ClipVisionConfig(16, 32, 8, 1, 2, 3, 32, 8, "quick_gelu", 1e-5);
        ClipVisionModelWithProjection model = new ClipVisionModelWithProjection(config);
        Set<String> expected = new TreeSet<>(List.of(
                "vision_model.embeddings.class_embedding",
                "vision_model.embeddings.patch_embedding.weight",
                "vision_model.embeddings.position_embedding.weight",
                "vision_model.pre_layrnorm.weight", "vision_model.pre_layrnorm.bias",
                "vision_model.post_layernorm.weight", "vision_model.post_layernorm.bias",
                "visual_projection.weight"));
        for (String p : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
            expected.add("vision_model.encoder.layers.0.self_attn." + p + ".weight");
            expected.add("vision_model.encoder.layers.0.self_attn." + p + ".bias");
        }
        for (String p : List.of("layer_norm1", "layer_norm2", "mlp.fc1", "mlp.fc2")) {
            expected.add("vision_model.encoder.layers.0." + p + ".weight");
            expected.add("vision_model.encoder.layers.0." + p + ".bias");
        }
        assertEquals(expected, new TreeSet<>(StateDict.shapes(model).keySet()));
        assertEquals(new Shape(16, 3, 8, 8), StateDict.shapes(model).get("vision_model.embeddings.patch_embedding.weight"));
        assertEquals(new Shape(17, 16), StateDict.shapes(model).get("vision_model.embeddings.position_embedding.weight"));
        assertEquals(new Shape(8, 16), StateDict.shapes(model).get("visual_projection.weight"));
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            model.initialize(m, DataType.FLOAT32, new Shape(2, 3, 32, 32));
            NDList out = model.forward(new ParameterStore(m, false), new NDList(m.randomUniform(0, 1, new Shape(2, 3, 32, 32))), false);
            assertEquals(new Shape(2, 8), out.get(0).getShape());
            assertEquals(new Shape(2, 17, 16), out.get(1).getShape());
        }
        assertThrows(ModelException.class, () -> new ClipVisionConfig(16, 32, 8, 1, 2, 3, 30, 8, "gelu", 1e-5));
    }

    @Test
    void groupNormMatchesItsDefinition() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            GroupNorm norm = new GroupNorm(2, 4, 1e-5);
            norm.initialize(m, DataType.FLOAT32, new Shape(1, 4, 3, 3));
            float[] x = new float[2 * 4 * 9];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i * 0.7) * (1 + i % 5);
            }
            float[] got = norm.forward(new ParameterStore(m, false), new NDList(m.create(x, new Shape(2, 4, 3, 3))), false)
                    .singletonOrThrow().toFloatArray();
            // by hand: each (image, group of 2 channels) has 18 values normalised together
            for (int b = 0; b < 2; b++) {
                for (int g = 0; g < 2; g++) {
                    int from = b * 36 + g * 18;
                    double mean = 0;
                    for (int i = 0; i < 18; i++) {
                        mean += x[from + i];
                    }
                    mean /= 18;
                    double var = 0;
                    for (int i = 0; i < 18; i++) {
                        var += (x[from + i] - mean) * (x[from + i] - mean);
                    }
                    var /= 18;
                    for (int i = 0; i < 18; i++) {
                        assertEquals((x[from + i] - mean) / Math.sqrt(var + 1e-5), got[from + i], 1e-5);
                    }
                }
            }
        }
    }

    /**
     * Training feeds the prior a prefix of the 77 text tokens: it must give exactly what the full sequence gives
     * when the rest is masked padding.
     */
    @Test
    void aPriorOnAMaskedPrefixComputesWhatTheFullSequenceDoes() {
        PriorConfig config = new PriorConfig(2, 8, 2, 8, 77, 3);
        PriorTransformer prior = new PriorTransformer(config);
        int b = 3;
        int t = 12;
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            Engine.getEngine(DjlRuntime.ENGINE).setRandomSeed(5);
            prior.initialize(m, DataType.FLOAT32, new Shape(b, 8));
            JniUtils.setGradMode(false);
            NDArray noise = m.randomNormal(new Shape(b, 8));
            NDArray text = m.randomNormal(new Shape(b, 8));
            NDArray hidden = m.randomNormal(new Shape(b, 77, 8));
            long[] mask = new long[b * 77];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < 4 + 4 * i; j++) {
                    mask[i * 77 + j] = 1;   // 4, 8 and 12 real tokens, all inside the prefix
                }
            }
            NDArray fullMask = m.create(mask, new Shape(b, 77));
            ParameterStore ps = new ParameterStore(m, false);
            float[] full = prior.forward(ps, new NDList(noise, text, hidden, fullMask), false).singletonOrThrow().toFloatArray();
            float[] prefix = prior.forward(ps, new NDList(noise, text, hidden.get(":, 0:" + t), fullMask.get(":, 0:" + t)),
                    false).singletonOrThrow().toFloatArray();
            assertArrayEquals(full, prefix, 1e-5f);   // the same sums in another order
            assertThrows(IllegalArgumentException.class,
                    () -> prior.forward(ps, new NDList(noise, text, hidden.get(":, 0:" + t)), false));
        }
    }

    @Test
    void decoderDrawsPicturesInRangeAndItsLatentsFollowItsPrior() {
        ShapesDecoderConfig config = new ShapesDecoderConfig(8, 4, 16, 4, List.of(8, 8, 8), 4);
        ShapesDecoder decoder = new ShapesDecoder(config);
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            decoder.initialize(m, DataType.FLOAT32, new Shape(1, 8));
            ParameterStore ps = new ParameterStore(m, false);
            NDArray embeds = m.randomNormal(new Shape(3, 8));
            NDArray noise = m.randomNormal(new Shape(3, 4));
            // a fresh prior is N(0, 1): the latent is the noise
            assertArrayEquals(noise.toFloatArray(), decoder.latents(ps, embeds, noise).toFloatArray(), 1e-6f);
            NDArray pixels = decoder.forward(ps, new NDList(embeds, noise), false).singletonOrThrow();
            assertEquals(new Shape(3, 3, 16, 16), pixels.getShape());
            assertTrue(pixels.min().getFloat() >= 0 && pixels.max().getFloat() <= 1);
            // only the embedding's direction counts
            float[] scaled = decoder.forward(ps, new NDList(embeds.mul(7f), noise), false).singletonOrThrow().toFloatArray();
            assertArrayEquals(pixels.toFloatArray(), scaled, 1e-5f);
            List<String> names = new ArrayList<>(StateDict.parameters(decoder).keySet());
            assertTrue(names.contains("latent_prior.fc2.weight") && names.contains("up_blocks.1.cond_mod.weight")
                    && names.contains("conv_out.bias"), names.toString());
        }
        assertThrows(ModelException.class, () -> new ShapesDecoderConfig(8, 4, 32, 4, List.of(8, 8, 8), 4));
        assertThrows(ModelException.class, () -> new ShapesDecoderConfig(8, 4, 16, 4, List.of(8, 6, 8), 4));
    }
}

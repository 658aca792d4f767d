package dev.umbra.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.umbra.io.Npy;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fp16 path that a GPU takes ({@code --dtype auto} on a GPU), run here on the CPU: weights cast to fp16,
 * masks within fp16's range (-65504 for CLIP's causal mask, -10000 for the prior's), outputs widened back.
 * No GPU runs in CI, so this is the check that the half-precision graph is right; tolerances are fp16's.
 */
class HalfPrecisionTest {

    @Test
    void fp16MatchesTheReferenceWithinHalfPrecision() throws Exception {
        List<String> prompts = Golden.prompts();
        float[][] noise = Golden.noise();
        try (EclipseModel model = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()),
                new RuntimeOptions("cpu", "float16", 0))) {
            assertEquals(DataType.FLOAT16, model.dtype());
            EmbeddingResult r = model.embed(prompts, noise, false);
            assertRelativeError(Golden.expected("text_embeds"), r.textEmbeds(), "text_embeds");
            assertRelativeError(Golden.expected("image_embeds"), r.imageEmbeds(), "image_embeds");
        }
    }

    /** Max abs error over the max abs reference value: fp16 carries ~3 decimal digits through a few layers. */
    private static void assertRelativeError(Npy.Array expected, float[][] actual, String what) {
        double scale = 0;
        for (double v : expected.values()) {
            scale = Math.max(scale, Math.abs(v));
        }
        double err = Golden.maxAbsError(expected, actual);
        assertTrue(Double.isFinite(err) && err / scale < 2e-2,
                what + ": fp16 max abs error " + err + " against a reference scale of " + scale);
    }
}

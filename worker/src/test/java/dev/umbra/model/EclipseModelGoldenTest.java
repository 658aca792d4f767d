package dev.umbra.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every output of the pipeline against the float64 reference of the golden set. */
class EclipseModelGoldenTest {

    private static EclipseModel model;
    private static List<String> prompts;
    private static float[][] noise;

    @BeforeAll
    static void load() throws Exception {
        model = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()),
                new RuntimeOptions("cpu", "float32", 0));
        prompts = Golden.prompts();
        noise = Golden.noise();
        assertEquals(14, prompts.size());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void allOutputsMatchTheReference() throws Exception {
        EmbeddingResult r = model.embed(prompts, noise, true);
        Golden.assertExact(Golden.expected("input_ids"), r.inputIds());
        Golden.assertExact(Golden.expected("attention_mask"), r.attentionMask());
        Golden.assertClose(Golden.expected("text_embeds"), r.textEmbeds(), "text_embeds");
        double hidden = Golden.maxAbsError(Golden.expected("last_hidden_state"), r.lastHiddenState());
        assertTrue(hidden <= Golden.TOLERANCE, "last_hidden_state max abs error " + hidden);
        Golden.assertClose(Golden.expected("image_embeds"), r.imageEmbeds(), "image_embeds");
    }

    @Test
    void zeroNoiseMatchesTheReference() throws Exception {
        float[][] zeros = new float[prompts.size()][model.embeddingDim()];
        EmbeddingResult r = model.embed(prompts, zeros, false);
        Golden.assertClose(Golden.expected("image_embeds_zero_noise"), r.imageEmbeds(), "image_embeds_zero_noise");
    }

    @Test
    void priorWithoutAnyMaskMatchesTheReference() throws Exception {
        EmbeddingResult r = model.embed(prompts, noise, true);
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), DjlRuntime.ENGINE)) {
            int n = prompts.size();
            int e = model.embeddingDim();
            NDArray noiseArray = m.create(EclipseModel.flatten(noise), new Shape(n, e));
            NDArray text = m.create(EclipseModel.flatten(r.textEmbeds()), new Shape(n, e));
            float[] flatHidden = new float[n * 77 * e];
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < 77; t++) {
                    System.arraycopy(r.lastHiddenState()[i][t], 0, flatHidden, (i * 77 + t) * e, e);
                }
            }
            NDArray hidden = m.create(flatHidden, new Shape(n, 77, e));
            NDArray out = model.prior().forward(new ParameterStore(m, false),
                    new NDList(noiseArray, text, hidden), false).singletonOrThrow();
            float[] flat = out.toFloatArray();
            float[][] rows = new float[n][e];
            for (int i = 0; i < n; i++) {
                System.arraycopy(flat, i * e, rows[i], 0, e);
            }
            Golden.assertClose(Golden.expected("image_embeds_no_mask"), rows, "image_embeds_no_mask");
        }
    }

    @Test
    void resultsDoNotDependOnTheBatchSize() throws Exception {
        EmbeddingResult whole = model.embed(prompts, noise, false);
        List<float[]> single = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            EmbeddingResult one = model.embed(List.of(prompts.get(i)), new float[][] {noise[i]}, false);
            single.add(one.imageEmbeds()[0]);
            assertEquals(1, one.size());
        }
        double max = 0;
        for (int i = 0; i < prompts.size(); i++) {
            for (int j = 0; j < model.embeddingDim(); j++) {
                max = Math.max(max, Math.abs(whole.imageEmbeds()[i][j] - single.get(i)[j]));
            }
        }
        assertTrue(max <= 1e-5, "batch 14 vs batch 1 differ by " + max);
        Golden.assertClose(Golden.expected("image_embeds"), single.toArray(new float[0][]), "image_embeds at batch 1");
    }
}

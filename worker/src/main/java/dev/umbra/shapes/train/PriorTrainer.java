package dev.umbra.shapes.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.umbra.model.prior.PriorTransformer;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Trains an ECLIPSE prior as the paper does (ECLIPSE-SPEC section 8): {@code L = L_proj + lambda * L_contrastive},
 * the squared distance to the CLIP image embedding plus InfoNCE between the prior's normalised outputs and the
 * batch's normalised text embeddings. {@code lambda = 0} is the Projection baseline. The prior's input noise is
 * standard normal, drawn afresh each step, as at inference.
 */
public final class PriorTrainer {

    /**
     * @param temperature the contrastive loss's temperature (the paper does not publish its own)
     */
    public record Settings(int steps, int batchSize, float learningRate, float lambda, float temperature) {}

    private PriorTrainer() {}

    /** Trains {@code prior} in place; returns the last {@code [loss, L_proj, L_contrastive]}. */
    public static float[] train(PriorTransformer prior, NDManager manager, EmbeddedScenes data, Settings s, long seed,
                                TrainingLog log, String phase) {
        int b = s.batchSize();
        int e = data.dim();
        Learner learner = new Learner(manager, List.of(prior), s.learningRate(), Math.min(100, s.steps() / 10),
                s.steps(), 1e-4f);
        SplittableRandom random = new SplittableRandom(seed);
        float logScale = (float) Math.log(1 / s.temperature());
        float[] last = {Float.NaN, Float.NaN, Float.NaN};
        long start = System.nanoTime();
        for (int step = 1; step <= s.steps(); step++) {
            int[] rows = new int[b];
            for (int i = 0; i < b; i++) {
                rows[i] = random.nextInt(data.size());
            }
            float[] noise = new float[b * e];
            for (int i = 0; i < noise.length; i++) {
                noise[i] = (float) random.nextGaussian();
            }
            last = learner.step((scope, ps) -> {
                EmbeddedScenes.Batch batch = data.batch(scope, rows);
                NDArray predicted = prior.forward(ps, new NDList(batch.priorInputs(scope.create(noise, new Shape(b, e)))),
                        true).singletonOrThrow();
                NDArray proj = Losses.meanSquaredError(predicted, batch.imageEmbeds());
                NDArray contrastive = Losses.infoNce(predicted, batch.textEmbeds(), batch.positives(),
                        scope.create(new float[] {logScale}));
                return new NDList(proj.add(contrastive.mul(s.lambda())), proj, contrastive);
            });
            log.step(phase, step, last);
            if (step % 500 == 0 || step == s.steps()) {
                log.say(String.format(Locale.ROOT, "%s: step %d/%d, L_proj %.4f, L_contrastive %.3f, %.0f ms/step",
                        phase, step, s.steps(), last[1], last[2], (System.nanoTime() - start) / 1e6 / step));
            }
        }
        return last;
    }
}

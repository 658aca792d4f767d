package dev.umbra.shapes.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.umbra.decoder.shapes.ShapesDecoder;
import dev.umbra.model.clip.ClipVisionModelWithProjection;
import dev.umbra.shapes.world.SceneSampler;
import dev.umbra.shapes.world.ShapesWorld;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Trains the decoder as a conditional VAE on rendered scenes and mini-CLIP image embeddings: the posterior
 * encodes what the embedding leaves open (positions, sizes) into the latent, the decoder redraws the image from
 * embedding and latent.
 *
 * <p>The embedding a picture is decoded from is that of <em>another</em> rendering of the same scene, as a prompt
 * would describe it: so the decoder learns to take colors, shapes and relation from the embedding and where things
 * stand from the latent, which is what it is asked at inference, where the embedding comes from the prior and
 * carries no position. (Conditioned on the picture's own embedding, which does place the objects, it learns to
 * read positions there, and draws averaged, blurred layouts from a prior's embedding.)
 *
 * <p>Loss: squared pixel error over {@code 2 sigma^2}, plus the KL divergence of the posterior from the decoder's
 * conditional prior {@code p(z | embedding)} (Sohn et al., 2015), both per image, divided by the number of pixel
 * values so that the learning rate does not depend on the image size.
 */
public final class DecoderTrainer {

    /** @param pixelSigma the pixel noise the reconstruction term assumes: smaller puts more into the latent */
    public record Settings(int steps, int batchSize, float learningRate, float pixelSigma) {}

    private DecoderTrainer() {}

    /** Trains decoder and posterior in place; returns the last {@code [loss, reconstruction, KL]} per image. */
    public static float[] train(ShapesDecoder decoder, DecoderPosterior posterior, ClipVisionModelWithProjection vision,
                                NDManager manager, Settings s, long seed, TrainingLog log) {
        int b = s.batchSize();
        int size = ShapesWorld.CANVAS;
        int z = decoder.config().latentDim();
        float values = 3f * size * size;
        float inverseTwoSigmaSq = 1f / (2 * s.pixelSigma() * s.pixelSigma());
        Learner learner = new Learner(manager, List.of(decoder, posterior), s.learningRate(),
                Math.min(100, s.steps() / 10), s.steps(), 0f);
        ParameterStore frozen = new ParameterStore(manager, false);
        SplittableRandom random = new SplittableRandom(seed);
        SceneSampler sampler = SceneSampler.training();
        float[] last = {Float.NaN, Float.NaN, Float.NaN};
        long start = System.nanoTime();
        for (int step = 1; step <= s.steps(); step++) {
            SceneBatch batch = SceneBatch.draw(sampler, random, b);
            float[] pixels = batch.pixels();
            float[] otherRenders = batch.rerendered(random).pixels();
            float[] eps = new float[b * z];
            for (int i = 0; i < eps.length; i++) {
                eps[i] = (float) random.nextGaussian();
            }
            float[] embeds = embed(vision, frozen, manager, otherRenders, b);
            last = learner.step((scope, ps) -> {
                NDArray x = scope.create(pixels, new Shape(b, 3, size, size));
                NDArray c = scope.create(embeds, new Shape(b, embeds.length / b));
                NDList q = posterior.forward(ps, new NDList(x, c), true);
                NDArray mu = q.get(0);
                NDArray logVar = q.get(1);
                NDArray latent = mu.add(logVar.mul(0.5f).exp().mul(scope.create(eps, new Shape(b, z))));
                NDArray redrawn = decoder.forward(ps, new NDList(c, latent), true).singletonOrThrow();
                NDArray reconstruction = redrawn.sub(x).square().reshape(b, -1).sum(new int[] {1}).mean()
                        .mul(inverseTwoSigmaSq);
                NDList prior = decoder.latentPrior(ps, c, true);
                NDArray kl = Losses.gaussianKl(mu, logVar, prior.get(0), prior.get(1));
                NDArray loss = reconstruction.add(kl).div(values);
                return new NDList(loss, reconstruction, kl);
            });
            log.step("decoder", step, last);
            if (step % 250 == 0 || step == s.steps()) {
                log.say(String.format(Locale.ROOT,
                        "decoder: step %d/%d, pixel error %.4f rms, KL %.2f nats, %.0f ms/step", step, s.steps(),
                        Math.sqrt(last[1] / inverseTwoSigmaSq / values), last[2],
                        (System.nanoTime() - start) / 1e6 / step));
            }
        }
        return last;
    }

    /** The frozen vision tower's image embeddings of a batch, outside any gradient. */
    static float[] embed(ClipVisionModelWithProjection vision, ParameterStore ps, NDManager manager, float[] pixels,
                         int b) {
        int size = ShapesWorld.CANVAS;
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = ClipVisionModelWithProjection.normalize(scope.create(pixels, new Shape(b, 3, size, size)));
            return vision.forward(ps, new NDList(x), false).get(0).toFloatArray();
        } finally {
            JniUtils.setGradMode(grad);
        }
    }
}

package dev.umbra.decoder.shapes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.umbra.model.nn.Conv2d;
import dev.umbra.model.nn.GroupNorm;
import dev.umbra.model.nn.HfBlock;
import dev.umbra.model.nn.Linear;
import dev.umbra.model.nn.ModuleList;
import java.util.ArrayList;
import java.util.List;

/**
 * The shapes world's decoder: the generator of a conditional VAE, from a CLIP image embedding and a latent to
 * pixels. The embedding says what to draw (colors, shapes, relation), the latent where and how large, so that one
 * embedding with different seeds gives different pictures of the same prompt, as the diffusion decoders of unCLIP
 * do. Why a VAE and not a diffusion model: docs/shapes-world.md.
 *
 * <p>An upsampling conv stack: the condition becomes a small feature map, each up block doubles it (nearest
 * neighbour), sees the pixel coordinates as two extra channels (so that placing an object is easy to express),
 * and is group-normalised and modulated by the condition (a scale and shift per channel, starting as the
 * identity).
 *
 * <p>Inputs: {@code image_embeds [B, E]} (only its direction is used: CLIP compares embeddings by cosine, and a
 * prior trained by regression returns shorter vectors than the image tower), {@code latents [B, Z]}. Output:
 * {@code [B, 3, S, S]} RGB in [0, 1].
 *
 * <p>Latents come from a learned conditional prior {@code p(z | embedding)} ({@code latent_prior}), as in Sohn et
 * al.'s conditional VAE: what the latent holds depends on the prompt (one object's place, or two), so a fixed
 * N(0, 1) would draw layouts the embedding does not allow. {@link #latents} maps standard normal noise through it.
 */
public final class ShapesDecoder extends HfBlock {

    private final ShapesDecoderConfig config;
    private final LatentPrior latentPrior;
    private final Linear condProj;
    private final ModuleList<UpBlock> upBlocks;
    private final Conv2d convOut;

    public ShapesDecoder(ShapesDecoderConfig config) {
        this.config = config;
        latentPrior = child("latent_prior", new LatentPrior(config));
        List<Integer> ch = config.blockOutChannels();
        condProj = child("cond_proj",
                new Linear(config.conditionDim(), (long) ch.get(0) * config.baseSize() * config.baseSize()));
        List<UpBlock> blocks = new ArrayList<>();
        for (int i = 1; i < ch.size(); i++) {
            blocks.add(new UpBlock(ch.get(i - 1), ch.get(i), config.conditionDim(), config.normGroups()));
        }
        upBlocks = child("up_blocks", new ModuleList<>(blocks));
        convOut = child("conv_out", new Conv2d(ch.get(ch.size() - 1), 3, 3, 1, 1, true));
    }

    public ShapesDecoderConfig config() {
        return config;
    }

    /** The conditional prior's mean and log-variance for {@code image_embeds [B, E]}: {@code [[B,Z], [B,Z]]}. */
    public NDList latentPrior(ParameterStore ps, NDArray embeds, boolean training) {
        return latentPrior.apply(ps, direction(embeds), training);
    }

    /** Latents for {@code image_embeds [B, E]} and standard normal {@code noise [B, Z]}: mean + std * noise. */
    public NDArray latents(ParameterStore ps, NDArray embeds, NDArray noise) {
        return latents(ps, embeds, noise, false);
    }

    /** As {@link #latents(ParameterStore, NDArray, NDArray)}, differentiable through the prior when training. */
    public NDArray latents(ParameterStore ps, NDArray embeds, NDArray noise, boolean training) {
        NDList prior = latentPrior(ps, embeds, training);
        return prior.get(0).add(prior.get(1).mul(0.5f).exp().mul(noise));
    }

    /** The embedding's direction, scaled to unit root-mean-square. */
    private NDArray direction(NDArray embeds) {
        return embeds.normalize(2, 1).mul((float) Math.sqrt(config.embeddingDim()));
    }

    /** @param inputs image_embeds [B,E], latents [B,Z]; @return [pixels [B,3,S,S]] */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray embeds = inputs.get(0);
        NDArray latents = inputs.get(1);
        long b = embeds.getShape().get(0);
        NDArray cond = NDArrays.concat(new NDList(direction(embeds), latents), 1);                    // [B,E+Z]
        int base = config.baseSize();
        NDArray x = silu(condProj.apply(ps, cond, training)).reshape(b, config.blockOutChannels().get(0), base, base);
        for (UpBlock block : upBlocks.modules()) {
            x = block.apply(ps, x, cond, training);
        }
        return new NDList(Activation.sigmoid(convOut.apply(ps, x, training)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), 3, config.imageSize(), config.imageSize())};
    }

    static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /** [B, 2, S, S]: x and y of each pixel centre in [-1, 1]. */
    static NDArray coordinates(NDManager manager, long b, int size, ai.djl.ndarray.types.DataType dtype) {
        float[] xy = new float[2 * size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                xy[y * size + x] = (x + 0.5f) / size * 2 - 1;
                xy[size * size + y * size + x] = (y + 0.5f) / size * 2 - 1;
            }
        }
        return manager.create(xy, new Shape(1, 2, size, size)).toType(dtype, false).repeat(0, b);
    }

    /** {@code p(z | embedding)}: a small MLP to the mean and log-variance of a diagonal Gaussian. */
    static final class LatentPrior extends HfBlock {
        private static final int HIDDEN = 128;
        private final int z;
        private final Linear fc1;
        private final Linear fc2;

        LatentPrior(ShapesDecoderConfig config) {
            z = config.latentDim();
            fc1 = child("fc1", new Linear(config.embeddingDim(), HIDDEN));
            // zero-initialised: training starts from N(0, 1)
            fc2 = child("fc2", new Linear(HIDDEN, 2L * z, true, Initializer.ZEROS));
        }

        NDList apply(ParameterStore ps, NDArray direction, boolean training) {
            NDArray out = fc2.apply(ps, silu(fc1.apply(ps, direction, training)), training);
            return new NDList(out.get(":, 0:" + z), out.get(":, " + z + ":"));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            return apply(ps, inputs.get(0), training);
        }
    }

    /** Upsampling by 2, conv on features and coordinates, group norm, modulation by the condition, conv, group norm. */
    static final class UpBlock extends HfBlock {
        private final int out;
        private final Conv2d conv1;
        private final GroupNorm norm1;
        private final Linear condMod;
        private final Conv2d conv2;
        private final GroupNorm norm2;

        UpBlock(int in, int out, int conditionDim, int groups) {
            this.out = out;
            conv1 = child("conv1", new Conv2d(in + 2, out, 3, 1, 1, true));
            norm1 = child("norm1", new GroupNorm(groups, out, 1e-5));
            // zero-initialised: the modulation starts as the identity, which keeps early training stable
            condMod = child("cond_mod", new Linear(conditionDim, 2L * out, true, Initializer.ZEROS));
            conv2 = child("conv2", new Conv2d(out, out, 3, 1, 1, true));
            norm2 = child("norm2", new GroupNorm(groups, out, 1e-5));
        }

        NDArray apply(ParameterStore ps, NDArray x, NDArray cond, boolean training) {
            long b = x.getShape().get(0);
            NDArray up = x.repeat(2, 2).repeat(3, 2);                                  // [B,C,2H,2W]
            int size = (int) up.getShape().get(2);
            NDArray withXy = NDArrays.concat(new NDList(up, coordinates(x.getManager(), b, size, x.getDataType())), 1);
            NDArray h = norm1.apply(ps, conv1.apply(ps, withXy, training), training);
            NDArray mod = condMod.apply(ps, cond, training).reshape(b, 2L * out, 1, 1);
            h = silu(h.mul(mod.get(":, 0:" + out).add(1f)).add(mod.get(":, " + out + ":")));
            return silu(norm2.apply(ps, conv2.apply(ps, h, training), training));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            return new NDList(apply(ps, inputs.get(0), inputs.get(1), training));
        }
    }
}

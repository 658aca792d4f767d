package dev.umbra.decoder.shapes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.umbra.model.nn.Conv2d;
import dev.umbra.model.nn.HfBlock;
import dev.umbra.model.nn.Linear;
import dev.umbra.model.nn.ModuleList;
import java.util.ArrayList;
import java.util.List;

/**
 * The shapes world's decoder: the generator of a conditional VAE, from a CLIP image embedding and a standard
 * normal latent to pixels. The embedding says what to draw (colors, shapes, relation), the latent where and how
 * large, so that one embedding with different seeds gives different pictures of the same prompt, as the
 * diffusion decoders of unCLIP do. Why a VAE and not a diffusion model: docs/shapes-world.md.
 *
 * <p>Inputs: {@code image_embeds [B, E]} (only its direction is used: CLIP compares embeddings by cosine, and a
 * prior trained by regression returns shorter vectors than the image tower), {@code latents [B, Z]}. Output:
 * {@code [B, 3, S, S]} RGB in [0, 1]. The condition reaches every block through a scale and shift (FiLM).
 */
public final class ShapesDecoder extends HfBlock {

    private final ShapesDecoderConfig config;
    private final Linear condProj;
    private final Conv2d convIn;
    private final ModuleList<UpBlock> upBlocks;
    private final Conv2d convOut;

    public ShapesDecoder(ShapesDecoderConfig config) {
        this.config = config;
        List<Integer> ch = config.blockOutChannels();
        int first = ch.get(0);
        condProj = child("cond_proj", new Linear(config.conditionDim(), (long) first * config.baseSize() * config.baseSize()));
        convIn = child("conv_in", new Conv2d(first, first, 3, 1, 1, true));
        List<UpBlock> blocks = new ArrayList<>();
        for (int i = 1; i < ch.size(); i++) {
            blocks.add(new UpBlock(ch.get(i - 1), ch.get(i), config.conditionDim()));
        }
        upBlocks = child("up_blocks", new ModuleList<>(blocks));
        convOut = child("conv_out", new Conv2d(ch.get(ch.size() - 1), 3, 3, 1, 1, true));
    }

    public ShapesDecoderConfig config() {
        return config;
    }

    /** @param inputs image_embeds [B,E], latents [B,Z]; @return [pixels [B,3,S,S]] */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray embeds = inputs.get(0);
        NDArray latents = inputs.get(1);
        long b = embeds.getShape().get(0);
        NDArray direction = embeds.normalize(2, 1).mul((float) Math.sqrt(config.embeddingDim()));   // unit rms
        NDArray cond = NDArrays.concat(new NDList(direction, latents), 1);                            // [B,E+Z]
        int base = config.baseSize();
        NDArray x = silu(condProj.apply(ps, cond, training)).reshape(b, config.blockOutChannels().get(0), base, base);
        x = silu(convIn.apply(ps, x, training));
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

    /** Nearest-neighbour upsampling by 2, conv, FiLM from the condition, conv. */
    static final class UpBlock extends HfBlock {
        private final int out;
        private final Conv2d conv1;
        private final Linear film;
        private final Conv2d conv2;

        UpBlock(int in, int out, int conditionDim) {
            this.out = out;
            conv1 = child("conv1", new Conv2d(in, out, 3, 1, 1, true));
            film = child("film", new Linear(conditionDim, 2L * out));
            conv2 = child("conv2", new Conv2d(out, out, 3, 1, 1, true));
        }

        NDArray apply(ParameterStore ps, NDArray x, NDArray cond, boolean training) {
            long b = x.getShape().get(0);
            NDArray up = x.repeat(2, 2).repeat(3, 2);                                 // [B,C,2H,2W]
            NDArray h = conv1.apply(ps, up, training);
            NDArray scaleShift = film.apply(ps, cond, training).reshape(b, 2L * out, 1, 1);
            NDArray scale = scaleShift.get(":, 0:" + out);
            NDArray shift = scaleShift.get(":, " + out + ":");
            h = silu(h.mul(scale.add(1f)).add(shift));
            return silu(conv2.apply(ps, h, training));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            return new NDList(apply(ps, inputs.get(0), inputs.get(1), training));
        }
    }
}

package dev.umbra.shapes.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.umbra.decoder.shapes.ShapesDecoderConfig;
import dev.umbra.model.nn.Conv2d;
import dev.umbra.model.nn.HfBlock;
import dev.umbra.model.nn.Linear;

/**
 * The encoder half of the decoder's conditional VAE, used in training only: from an image and its CLIP embedding
 * to the mean and log-variance of the latent that the decoder needs to redraw that image (where the objects are,
 * how large). Inference samples the latent from N(0, 1) instead, so this part is not shipped.
 */
public final class DecoderPosterior extends HfBlock {

    private static final int[] CHANNELS = {32, 64, 64, 64};
    private static final int HIDDEN = 256;

    private final ShapesDecoderConfig config;
    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Conv2d conv3;
    private final Conv2d conv4;
    private final Linear fc1;
    private final Linear fc2;

    public DecoderPosterior(ShapesDecoderConfig config) {
        this.config = config;
        conv1 = child("conv1", new Conv2d(3, CHANNELS[0], 4, 2, 1, true));
        conv2 = child("conv2", new Conv2d(CHANNELS[0], CHANNELS[1], 4, 2, 1, true));
        conv3 = child("conv3", new Conv2d(CHANNELS[1], CHANNELS[2], 4, 2, 1, true));
        conv4 = child("conv4", new Conv2d(CHANNELS[2], CHANNELS[3], 4, 2, 1, true));
        int side = config.imageSize() / 16;
        fc1 = child("fc1", new Linear((long) CHANNELS[3] * side * side + config.embeddingDim(), HIDDEN));
        fc2 = child("fc2", new Linear(HIDDEN, 2L * config.latentDim()));
    }

    /** @param inputs pixels [B,3,S,S] in [0,1], image_embeds [B,E]; @return [mu [B,Z], logVar [B,Z]] */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0).mul(2f).sub(1f);
        long b = x.getShape().get(0);
        x = silu(conv1.apply(ps, x, training));
        x = silu(conv2.apply(ps, x, training));
        x = silu(conv3.apply(ps, x, training));
        x = silu(conv4.apply(ps, x, training)).reshape(b, -1);
        NDArray direction = inputs.get(1).normalize(2, 1).mul((float) Math.sqrt(config.embeddingDim()));
        NDArray h = silu(fc1.apply(ps, NDArrays.concat(new NDList(x, direction), 1), training));
        NDArray out = fc2.apply(ps, h, training);
        int z = config.latentDim();
        return new NDList(out.get(":, 0:" + z), out.get(":, " + z + ":"));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = new Shape(inputShapes[0].get(0), config.latentDim());
        return new Shape[] {s, s};
    }

    private static NDArray silu(NDArray x) {
        return x.mul(ai.djl.nn.Activation.sigmoid(x));
    }
}

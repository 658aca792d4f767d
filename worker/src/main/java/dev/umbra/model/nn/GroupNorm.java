package dev.umbra.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;

/**
 * {@code torch.nn.GroupNorm} on {@code [B, C, H, W]}: each group of channels normalised over its channels and
 * pixels, then a per-channel {@code weight} and {@code bias}. Written with NDArray ops because DJL 0.36 has no
 * group norm block of its own.
 */
public final class GroupNorm extends UnaryBlock {

    private final int groups;
    private final int channels;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    public GroupNorm(int groups, int channels, double eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException("num_channels must be divisible by num_groups (got num_channels="
                    + channels + ", num_groups=" + groups + ")");
        }
        this.groups = groups;
        this.channels = channels;
        this.eps = (float) eps;
        this.weight = parameter("weight", new Shape(channels), Initializer.ONES);
        this.bias = parameter("bias", new Shape(channels), Initializer.ZEROS);
    }

    @Override
    public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        Shape s = x.getShape();
        long b = s.get(0);
        NDArray g = x.reshape(b, groups, -1);                                          // [B,G,C/G*H*W]
        NDArray mean = g.mean(new int[] {2}, true);
        NDArray centred = g.sub(mean);
        NDArray var = centred.square().mean(new int[] {2}, true);
        NDArray normed = centred.div(var.add(eps).sqrt()).reshape(s);
        NDArray w = ps.getValue(weight, x.getDevice(), training).reshape(1, channels, 1, 1);
        NDArray bb = ps.getValue(bias, x.getDevice(), training).reshape(1, channels, 1, 1);
        return normed.mul(w).add(bb);
    }
}

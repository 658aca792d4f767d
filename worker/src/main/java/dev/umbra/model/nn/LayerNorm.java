package dev.umbra.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;

/**
 * {@code torch.nn.LayerNorm} over the last axis, with PyTorch's names {@code weight} and {@code bias}
 * (DJL's own LayerNorm calls them gamma and beta and normalises over more axes by default).
 */
public final class LayerNorm extends UnaryBlock {

    private final Shape normalizedShape;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    public LayerNorm(long dim, double eps) {
        this.normalizedShape = new Shape(dim);
        this.eps = (float) eps;
        this.weight = parameter("weight", new Shape(dim), Initializer.ONES);
        this.bias = parameter("bias", new Shape(dim), Initializer.ZEROS);
    }

    @Override
    public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = ps.getValue(bias, x.getDevice(), training);
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, normalizedShape, w, b, eps).singletonOrThrow();
    }

}

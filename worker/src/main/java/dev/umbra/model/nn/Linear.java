package dev.umbra.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;

/** {@code torch.nn.Linear}: {@code weight [out, in]}, optional {@code bias [out]}, y = x W^T + b. */
public final class Linear extends UnaryBlock {

    private final long in;
    private final long out;
    private final Parameter weight;
    private final Parameter bias;

    public Linear(long in, long out, boolean withBias) {
        this(in, out, withBias, new XavierInitializer());
    }

    /** With {@code weightInit} for the weight (the bias starts at zero): zeros make a layer start as a no-op. */
    public Linear(long in, long out, boolean withBias, ai.djl.training.initializer.Initializer weightInit) {
        this.in = in;
        this.out = out;
        this.weight = parameter("weight", new Shape(out, in), weightInit);
        this.bias = withBias ? parameter("bias", new Shape(out), ai.djl.training.initializer.Initializer.ZEROS) : null;
    }

    public Linear(long in, long out) {
        this(in, out, true);
    }

    /** Applies the layer to an array directly: the form the model classes use. */
    @Override
    public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training);
        return ai.djl.nn.core.Linear.linear(x, w, b).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {s.slice(0, s.dimension() - 1).add(out)};
    }

    public long inFeatures() {
        return in;
    }

    public long outFeatures() {
        return out;
    }
}

package dev.umbra.shapes.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import dev.umbra.model.nn.HfBlock;

/**
 * A learnable temperature, as CLIP's {@code logit_scale}: the log of the factor on cosine similarities,
 * starting at log(1 / 0.07) and kept at most log(100), as CLIP clamps it.
 */
public final class LogitScale extends HfBlock {

    static final float INITIAL = (float) Math.log(1 / 0.07);
    static final float MAX = (float) Math.log(100);

    private final Parameter logitScale;

    public LogitScale() {
        logitScale = parameter("logit_scale", new Shape(1), new ConstantInitializer(INITIAL));
    }

    /** The current value, as an array of {@code scope} (a parameter's own ops would land in the model's manager). */
    public NDArray value(NDManager scope, ParameterStore ps, boolean training) {
        return scope.zeros(new Shape(1)).add(ps.getValue(logitScale, scope.getDevice(), training));
    }

    /** Clamps the value after an update. */
    public void clamp() {
        NDArray a = logitScale.getArray();
        float v = a.toFloatArray()[0];
        if (v > MAX) {
            a.set(new float[] {MAX});
        }
    }

    public float get() {
        return logitScale.getArray().toFloatArray()[0];
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("read with value()");
    }
}

package dev.umbra.shapes.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.umbra.model.DjlRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * One optimiser over the parameters of some blocks, and the step that every trainer repeats: forward in a
 * scope of its own, backward, Adam update, gradients zeroed. Each step's arrays, and the gradient handles DJL
 * hands out, are closed before it returns, so memory stays flat however long training runs.
 */
public final class Learner {

    private final NDManager manager;
    private final ParameterStore parameterStore;
    private final List<Parameter> parameters = new ArrayList<>();
    private final Optimizer optimizer;

    /**
     * @param manager the manager that holds the blocks' parameters; each step works in a sub-manager of it
     * @param lr      peak learning rate, reached after {@code warmUp} steps and decayed by cosine to 5% of it
     */
    public Learner(NDManager manager, List<Block> blocks, float lr, int warmUp, int steps, float weightDecay) {
        this.manager = manager;
        this.parameterStore = new ParameterStore(manager, false);
        for (Block block : blocks) {
            block.getParameters().values().forEach(parameters::add);
        }
        Tracker cosine = Tracker.cosine().setBaseValue(lr).optFinalValue(lr * 0.05f)
                .setMaxUpdates(Math.max(1, steps - warmUp)).build();
        Tracker schedule = Tracker.warmUp().optWarmUpBeginValue(lr * 0.01f).optWarmUpSteps(warmUp)
                .setMainTracker(cosine).build();
        this.optimizer = Optimizer.adam().optLearningRateTracker(schedule).optWeightDecays(weightDecay)
                .optClipGrad(1f).build();
    }

    public ParameterStore parameterStore() {
        return parameterStore;
    }

    /**
     * One training step. {@code loss} builds the forward pass in the scope it is given and returns the total
     * loss first, then any parts worth logging (all scalars).
     *
     * @return the scalars {@code loss} returned, as floats
     */
    public float[] step(BiFunction<NDManager, ParameterStore, NDList> loss) {
        float[] values;
        try (NDManager scope = manager.newSubManager();
             GradientCollector collector = DjlRuntime.engine().newGradientCollector()) {
            NDList parts = loss.apply(scope, parameterStore);
            collector.backward(parts.get(0));
            values = new float[parts.size()];
            for (int i = 0; i < parts.size(); i++) {
                values[i] = parts.get(i).toFloatArray()[0];
            }
        }
        for (Parameter p : parameters) {
            NDArray weight = p.getArray();
            try (NDArray grad = weight.getGradient()) {
                optimizer.update(p.getId(), weight, grad);
                grad.subi(grad);
            }
        }
        return values;
    }
}

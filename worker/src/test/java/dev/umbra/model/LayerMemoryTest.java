package dev.umbra.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.umbra.model.clip.ClipTextConfig;
import dev.umbra.model.clip.ClipTextModelWithProjection;
import dev.umbra.model.prior.PriorConfig;
import dev.umbra.model.prior.PriorTransformer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A forward pass holds one layer's intermediates at a time, not every layer's: the arrays left in the batch's
 * scope after a forward do not grow with the number of layers. (They did, and the bigG text tower at batch 64
 * needed over 20 GB of RAM.)
 */
class LayerMemoryTest {

    @Test
    void priorArraysDoNotGrowWithLayers() {
        Function<Integer, Block> prior = layers -> new PriorTransformer(new PriorConfig(2, 8, layers, 16, 77, 3));
        assertEquals(arraysLeftAfterForward(prior.apply(2), priorInputs()),
                arraysLeftAfterForward(prior.apply(8), priorInputs()));
    }

    @Test
    void textEncoderArraysDoNotGrowWithLayers() {
        Function<Integer, Block> clip = layers -> new ClipTextModelWithProjection(
                new ClipTextConfig(500, 16, 32, 16, layers, 2, 77, "quick_gelu", 1e-5, 499));
        Function<NDManager, NDList> ids = m -> new NDList(m.randomInteger(0, 499, new Shape(3, 77), DataType.INT64));
        assertEquals(arraysLeftAfterForward(clip.apply(2), ids), arraysLeftAfterForward(clip.apply(8), ids));
    }

    private static Function<NDManager, NDList> priorInputs() {
        return m -> new NDList(
                m.randomNormal(new Shape(3, 16)),
                m.randomNormal(new Shape(3, 16)),
                m.randomNormal(new Shape(3, 77, 16)),
                m.ones(new Shape(3, 77), DataType.INT64));
    }

    private static int arraysLeftAfterForward(Block block, Function<NDManager, NDList> inputs) {
        try (NDManager model = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            block.initialize(model, DataType.FLOAT32, new Shape(1));
            JniUtils.setGradMode(false);
            try (NDManager batch = model.newSubManager()) {
                NDList in = inputs.apply(batch);
                block.forward(new ParameterStore(model, false), in, false);
                return batch.getManagedArrays().size();
            }
        }
    }
}

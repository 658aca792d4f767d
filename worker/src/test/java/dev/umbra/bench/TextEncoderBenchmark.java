package dev.umbra.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.umbra.model.clip.ClipTextModelWithProjection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One forward of the CLIP text encoder (input_ids [B,77] to text_embeds and last_hidden_state), fp32 on the
 * CPU, at the tiny golden size and at ViT-L/14 size (random weights). bigG is in
 * {@link BigGTextEncoderBenchmark}, at the batches two cores can finish. Score: ms per batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dai.djl.offline=true"})
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 4, time = 2)
public class TextEncoderBenchmark {

    @Param({"tiny", "vit-l-14"})
    public String model;

    @Param({"1", "8", "32", "64"})
    public int batch;

    private TextEncoderState state;

    @Setup
    public void setUp() {
        state = new TextEncoderState(model, batch);
    }

    @Benchmark
    public float[] forward() {
        return state.forward();
    }

    @TearDown
    public void tearDown() {
        state.close();
    }

    /** A text encoder with random weights and a batch of ids, shared with {@link BigGTextEncoderBenchmark}. */
    static final class TextEncoderState implements AutoCloseable {
        private final NDManager manager;
        private final ClipTextModelWithProjection encoder;
        private final ParameterStore parameterStore;
        private final NDList inputs;

        TextEncoderState(String model, int batch) {
            manager = BenchModels.newManager();
            encoder = BenchModels.randomWeights(new ClipTextModelWithProjection(BenchModels.text(model)), manager, 42);
            if (model.equals("vit-l-14")) {
                BenchModels.requireCount("the ViT-L/14 text tower", encoder, BenchModels.VIT_L_TEXT_PARAMS);
            } else if (model.equals("bigg-14")) {
                BenchModels.requireCount("the bigG/14 text tower", encoder, BenchModels.BIGG_TEXT_PARAMS);
            }
            parameterStore = new ParameterStore(manager, false);
            NDArray ids = BenchModels.inputIds(manager, batch, 7);
            inputs = new NDList(ids);
            BenchModels.requireFinite("text encoder " + model, forward());
            System.out.println("text encoder " + model + ": " + BenchModels.parameterCount(encoder)
                    + " parameters; " + BenchModels.threads());
        }

        /** text_embeds as floats; last_hidden_state is computed too (eager CPU ops) and freed with the scope. */
        float[] forward() {
            JniUtils.setGradMode(false);
            try (NDManager scope = manager.newSubManager()) {
                NDList in = BenchModels.copyInto(inputs, scope);
                return encoder.forward(parameterStore, in, false).get(0).toFloatArray();
            }
        }

        @Override
        public void close() {
            manager.close();
        }
    }
}

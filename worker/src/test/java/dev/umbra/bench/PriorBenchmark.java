package dev.umbra.bench;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.umbra.model.prior.PriorConfig;
import dev.umbra.model.prior.PriorTransformer;
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
 * One forward of the ECLIPSE prior (noise, text_embeds, last_hidden_state, mask to image_embeds), fp32 on
 * the CPU, at the tiny golden size and at the real Kandinsky v2.2 size (random weights). Score: ms per batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dai.djl.offline=true"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class PriorBenchmark {

    @Param({"tiny", "kandinsky"})
    public String model;

    @Param({"1", "8", "32", "64"})
    public int batch;

    private NDManager manager;
    private PriorTransformer prior;
    private ParameterStore parameterStore;
    private NDList inputs;

    @Setup
    public void setUp() {
        manager = BenchModels.newManager();
        PriorConfig config = BenchModels.prior(model);
        prior = BenchModels.randomWeights(new PriorTransformer(config), manager, 42);
        if (model.equals("kandinsky")) {
            BenchModels.requireCount("the Kandinsky prior", prior, BenchModels.KANDINSKY_PRIOR_PARAMS);
        } else if (model.equals("karlo")) {
            BenchModels.requireCount("the Karlo prior", prior, BenchModels.KARLO_PRIOR_PARAMS);
        }
        parameterStore = new ParameterStore(manager, false);
        inputs = BenchModels.priorInputs(manager, batch, config.embeddingDim(), 7);
        BenchModels.requireFinite("prior " + model, forward());
        System.out.println("prior " + model + ": " + BenchModels.parameterCount(prior) + " parameters; "
                + BenchModels.threads());
    }

    @Benchmark
    public float[] forward() {
        JniUtils.setGradMode(false);
        try (NDManager scope = manager.newSubManager()) {
            NDList in = BenchModels.copyInto(inputs, scope);
            return prior.forward(parameterStore, in, false).singletonOrThrow().toFloatArray();
        }
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }
}

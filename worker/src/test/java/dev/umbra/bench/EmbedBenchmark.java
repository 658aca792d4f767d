package dev.umbra.bench;

import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.PriorNoise;
import dev.umbra.model.RuntimeOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
 * The whole {@link EclipseModel#embed} (tokenizer, text encoder, prior, copies out of native memory) of the
 * embedded tiny model, loaded the way the worker loads it, on real T2I-CompBench prompts. Score: ms per batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dai.djl.offline=true"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class EmbedBenchmark {

    @Param({"tiny"})
    public String model;

    @Param({"1", "8", "32", "64"})
    public int batch;

    private EclipseModel eclipse;
    private List<String> prompts;
    private float[][] noise;

    @Setup
    public void setUp() {
        if (!model.equals("tiny")) {
            throw new IllegalArgumentException("embed runs the embedded model only (tiny), not " + model);
        }
        eclipse = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()),
                new RuntimeOptions("cpu", "float32", RuntimeOptions.DEFAULT_PAD_TOKEN_ID));
        List<String> all = BenchModels.prompts();
        Random random = new Random(11);
        prompts = new ArrayList<>();
        noise = new float[batch][];
        for (int i = 0; i < batch; i++) {
            prompts.add(all.get(random.nextInt(all.size())));
            noise[i] = PriorNoise.gaussian(random.nextLong(), eclipse.embeddingDim());
        }
        System.out.println("embed " + model + ": " + BenchModels.threads());
    }

    @Benchmark
    public EmbeddingResult embed() {
        return eclipse.embed(prompts, noise, false);
    }

    @TearDown
    public void tearDown() {
        eclipse.close();
    }
}

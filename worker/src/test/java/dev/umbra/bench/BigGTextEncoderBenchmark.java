package dev.umbra.bench;

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
 * The CLIP ViT-bigG/14 text tower (695M parameters, random weights), fp32 on the CPU, at batch 1 and 8 by
 * default: one batch of 8 takes seconds on two cores. Batch 32 and 64 (12 and 20 s a call) run on request:
 * {@code worker/bench.sh jmh BigGTextEncoderBenchmark -p batch=32,64 -wi 1 -i 2 -w 1 -r 1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dai.djl.offline=true"})
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
public class BigGTextEncoderBenchmark {

    @Param({"bigg-14"})
    public String model;

    @Param({"1", "8"})
    public int batch;

    private TextEncoderBenchmark.TextEncoderState state;

    @Setup
    public void setUp() {
        state = new TextEncoderBenchmark.TextEncoderState(model, batch);
    }

    @Benchmark
    public float[] forward() {
        return state.forward();
    }

    @TearDown
    public void tearDown() {
        state.close();
    }
}

package dev.umbra.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.training.ParameterStore;
import dev.umbra.model.DjlRuntime;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.PriorNoise;
import dev.umbra.model.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The DJL side of the GPU comparison with PyTorch eager ({@code deploy/gpu/bench/torch_bench.py bench}): the
 * project's own prior and text-encoder blocks, loaded from a model folder by {@link EclipseModel#load} as the worker
 * loads them (typically {@code init-model --preset kandinsky}), timed per batch in each dtype with random inputs,
 * each call ending with its result copied to the host as float32, as the Python side does. One line per case, in
 * the Python side's format, so that {@code compare.py} can pair them:
 *
 * <pre>RESULT impl=djl network=prior dtype=float16 batch=256 ms=12.080 ms_median=12.010 prompts_per_s=21192</pre>
 *
 * <p>{@code embed} times the whole {@link EclipseModel#embed} (tokenizer, text encoder, prior, copies into Java
 * arrays) on T2I-CompBench prompts. Run through the {@code bench} profile (docs/performance.md) or, on a machine
 * without Maven, with {@code java -cp ...} as {@code deploy/gpu/run-gpu-checks.sh} does.
 */
@Command(name = "gpu-bench", mixinStandardHelpOptions = true,
        description = "Times the prior and the text tower of a model folder through DJL, per batch and dtype.")
public final class GpuBenchmark implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model folder (text_encoder/, prior/; tokenizer/ optional)")
    Path model;

    @Option(names = "--device", defaultValue = "gpu", description = "gpu, gpu:N or cpu (${DEFAULT-VALUE})")
    String device;

    @Option(names = "--dtypes", defaultValue = "float16,float32", split = ",", description = "(${DEFAULT-VALUE})")
    List<String> dtypes;

    @Option(names = "--parts", defaultValue = "prior,text", split = ",", description = "prior, text, embed (${DEFAULT-VALUE})")
    List<String> parts;

    @Option(names = "--prior-batches", defaultValue = "1,8,64,256,1024", split = ",", description = "(${DEFAULT-VALUE})")
    List<Integer> priorBatches;

    @Option(names = "--text-batches", defaultValue = "1,64,256", split = ",", description = "(${DEFAULT-VALUE})")
    List<Integer> textBatches;

    @Option(names = "--embed-batches", defaultValue = "256", split = ",", description = "(${DEFAULT-VALUE})")
    List<Integer> embedBatches;

    @Option(names = "--iters", defaultValue = "0",
            description = "timed calls per case (default: 20 at batch >= 256, else 50; 5 on the CPU)")
    int iters;

    @Option(names = "--out", description = "also append the RESULT lines to this file")
    Path out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new GpuBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Engine engine = DjlRuntime.engine();
        info(String.format(Locale.ROOT, "INFO engine=PyTorch %s libtorch=%s gpus=%d model=%s", engine.getVersion(),
                LibUtils.getLibtorchPath(), engine.getGpuCount(), model));
        JniUtils.setGradMode(false);
        for (String dtype : dtypes) {
            try (EclipseModel m = EclipseModel.load(ModelPaths.of(model), new RuntimeOptions(device, dtype, 0));
                 NDManager base = NDManager.newBaseManager(m.device(), DjlRuntime.ENGINE)) {
                ParameterStore ps = new ParameterStore(base, false);
                int e = m.embeddingDim();
                if (parts.contains("prior")) {
                    for (int b : priorBatches) {
                        NDList in = BenchModels.priorInputs(base, b, e, 7);
                        for (int i = 0; i < 3; i++) {
                            NDArray cast = in.get(i).toType(m.dtype(), false);
                            in.set(i, cast);
                        }
                        time("network=prior dtype=" + dtype, b, m.device().isGpu(), () -> run(base, in,
                                s -> m.prior().forward(ps, s, false).singletonOrThrow()));
                    }
                }
                if (parts.contains("text")) {
                    for (int b : textBatches) {
                        NDList in = new NDList(BenchModels.inputIds(base, b, 7));
                        time("network=text dtype=" + dtype, b, m.device().isGpu(), () -> run(base, in,
                                s -> m.textEncoder().forward(ps, s, false).get(0)));
                    }
                }
                if (parts.contains("embed")) {
                    List<String> prompts = BenchModels.prompts();
                    for (int b : embedBatches) {
                        List<String> batch = new ArrayList<>(prompts.subList(0, Math.min(b, prompts.size())));
                        while (batch.size() < b) {
                            batch.add(prompts.get(batch.size() % prompts.size()));
                        }
                        float[][] noise = new float[b][];
                        for (int i = 0; i < b; i++) {
                            noise[i] = PriorNoise.gaussian(i, e);
                        }
                        time("network=embed dtype=" + dtype, b, m.device().isGpu(),
                                () -> m.embed(batch, noise, false).imageEmbeds()[0]);
                    }
                }
            }
        }
        return 0;
    }

    /** One call: the inputs lent to a scope that frees everything the forward made, the output copied to the host. */
    private static float[] run(NDManager base, NDList inputs, java.util.function.Function<NDList, NDArray> forward) {
        try (NDManager scope = base.newSubManager()) {
            inputs.tempAttach(scope);
            return forward.apply(inputs).toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    private void time(String fields, int batch, boolean gpu, Supplier<float[]> call) throws IOException {
        float[] first = null;
        for (int i = 0; i < 5; i++) {
            first = call.get();
        }
        BenchModels.requireFinite(fields + " batch " + batch, first);
        int n = iters > 0 ? iters : gpu ? (batch >= 256 ? 20 : 50) : 5;
        double[] ms = new double[n];
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            call.get();
            ms[i] = (System.nanoTime() - s) / 1e6;
        }
        double mean = (System.nanoTime() - t0) / 1e6 / n;
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        info(String.format(Locale.ROOT, "RESULT impl=djl %s batch=%d ms=%.3f ms_median=%.3f prompts_per_s=%.0f",
                fields, batch, mean, median, batch * 1000.0 / mean));
    }

    private void info(String line) throws IOException {
        System.out.println(line);
        System.out.flush();
        if (out != null) {
            Files.writeString(out, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }
}

package dev.umbra.bench;

import ai.djl.ndarray.NDManager;
import dev.umbra.io.ProcessMemory;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.PriorNoise;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.model.checkpoint.StateDict;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Soak run: many batches of random prompts and noise through {@link EclipseModel#embed} of the embedded tiny
 * model, sampling the process RSS (VmRSS), the JVM heap and non-heap, and the number of arrays held by the
 * model's NDManager to a CSV, then printing RSS at start, after warm-up and at the end, and the least-squares
 * slope after warm-up. A batch that leaks arrays into the model's manager shows in the array count and as a
 * steady RSS slope. Run it with a fixed, pre-touched heap so that the heap's first use does not look like
 * native growth.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Runs batches through EclipseModel.embed and records RSS and heap.")
public final class SoakBenchmark implements Callable<Integer> {

    @Option(names = "--batches", defaultValue = "10000", description = "batches to run (${DEFAULT-VALUE})")
    int batches;

    @Option(names = "--batch", defaultValue = "8", description = "prompts per batch (${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--every", defaultValue = "100", description = "sample every N batches (${DEFAULT-VALUE})")
    int every;

    @Option(names = "--warmup", defaultValue = "1000",
            description = "batches before the slope is measured (${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--csv", defaultValue = "docs/soak-rss.csv", description = "CSV output (${DEFAULT-VALUE})")
    Path csv;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (${DEFAULT-VALUE})")
    long seed;

    /** One CSV row. */
    record Sample(int batch, double seconds, double rssMib, double heapUsedMib, double heapCommittedMib,
                  double nonHeapUsedMib, int modelArrays) {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new SoakBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        if (batches < 1 || batch < 1 || every < 1 || warmup < 0 || warmup >= batches) {
            throw new CommandLine.ParameterException(new CommandLine(this), "need batches >= 1, batch >= 1, every >= 1"
                    + " and 0 <= warmup < batches (got batches=" + batches + ", batch=" + batch + ", every=" + every
                    + ", warmup=" + warmup + ")");
        }
        List<String> prompts = BenchModels.prompts();
        Random random = new Random(seed);
        List<Sample> samples = new ArrayList<>();
        if (csv.toAbsolutePath().getParent() != null) {
            Files.createDirectories(csv.toAbsolutePath().getParent());
        }
        try (EclipseModel model = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()),
                    new RuntimeOptions("cpu", "float32", RuntimeOptions.DEFAULT_PAD_TOKEN_ID));
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(csv))) {
            int e = model.embeddingDim();
            // The weights' arrays belong to the model's manager: an array that a batch leaks into it adds to this count.
            NDManager modelManager = StateDict.parameters(model.prior()).values().iterator().next()
                    .getArray().getManager();
            out.println("batch,seconds,rss_mib,heap_used_mib,heap_committed_mib,non_heap_used_mib,model_arrays");
            long start = System.nanoTime();
            samples.add(sample(0, start, modelManager, out));
            System.out.printf(Locale.ROOT, "soak: %d batches of %d, tiny model, %s; RSS after load %.1f MiB%n",
                    batches, batch, BenchModels.threads(), samples.get(0).rssMib());
            double checksum = 0;
            for (int b = 1; b <= batches; b++) {
                List<String> rows = new ArrayList<>(batch);
                float[][] noise = new float[batch][];
                for (int i = 0; i < batch; i++) {
                    rows.add(prompts.get(random.nextInt(prompts.size())));
                    noise[i] = PriorNoise.gaussian(random.nextLong(), e);
                }
                EmbeddingResult result = model.embed(rows, noise, false);
                checksum += result.imageEmbeds()[0][0];
                if (b % every == 0) {
                    samples.add(sample(b, start, modelManager, out));
                }
                if (b % 1000 == 0) {
                    Sample s = samples.get(samples.size() - 1);
                    System.out.printf(Locale.ROOT,
                            "batch %6d  %7.1f s  RSS %7.1f MiB  heap %6.1f MiB  non-heap %5.1f MiB  model arrays %d%n",
                            b, s.seconds(), s.rssMib(), s.heapUsedMib(), s.nonHeapUsedMib(), s.modelArrays());
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            summarize(samples, seconds, checksum);
        }
        return 0;
    }

    private void summarize(List<Sample> samples, double seconds, double checksum) {
        Sample first = samples.get(0);
        Sample last = samples.get(samples.size() - 1);
        Sample warm = samples.stream().filter(s -> s.batch() >= warmup).findFirst().orElse(last);
        List<Sample> steady = samples.stream().filter(s -> s.batch() >= warmup).toList();
        double maxRss = samples.stream().mapToDouble(Sample::rssMib).max().orElse(0);
        System.out.printf(Locale.ROOT, "%nsoak done: %d batches x %d prompts in %.1f s (%.0f prompts/s), checksum %.4f%n",
                batches, batch, seconds, batches * (double) batch / seconds, checksum);
        System.out.printf(Locale.ROOT, "RSS start (after load) %.1f MiB, after warm-up (batch %d) %.1f MiB, end %.1f MiB,"
                + " max %.1f MiB%n", first.rssMib(), warm.batch(), warm.rssMib(), last.rssMib(), maxRss);
        List<Sample> secondHalf = samples.stream().filter(s -> s.batch() >= batches / 2).toList();
        System.out.printf(Locale.ROOT, "RSS slope after warm-up: %.3f MiB per 1000 batches (least squares over %d samples);"
                + " over the second half: %.3f MiB per 1000 batches%n",
                slope(steady) * 1000, steady.size(), slope(secondHalf) * 1000);
        System.out.printf(Locale.ROOT, "non-heap (metaspace, code cache) %.1f MiB after warm-up, %.1f MiB at end%n",
                warm.nonHeapUsedMib(), last.nonHeapUsedMib());
        System.out.printf(Locale.ROOT, "arrays in the model's manager: %d at start, %d at end%n",
                first.modelArrays(), last.modelArrays());
        System.out.printf(Locale.ROOT, "heap used at end %.1f MiB of %.1f MiB committed; CSV: %s%n",
                last.heapUsedMib(), last.heapCommittedMib(), csv);
    }

    /** Least-squares slope of RSS (MiB) over batch number. */
    static double slope(List<Sample> samples) {
        int n = samples.size();
        if (n < 2) {
            return 0;
        }
        double mx = samples.stream().mapToDouble(Sample::batch).average().orElse(0);
        double my = samples.stream().mapToDouble(Sample::rssMib).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        for (Sample s : samples) {
            sxy += (s.batch() - mx) * (s.rssMib() - my);
            sxx += (s.batch() - mx) * (s.batch() - mx);
        }
        return sxy / sxx;
    }

    private static Sample sample(int batch, long start, NDManager modelManager, PrintWriter out) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        Sample s = new Sample(batch, (System.nanoTime() - start) / 1e9, rssMib(),
                heap.getUsed() / 1048576.0, heap.getCommitted() / 1048576.0, nonHeap.getUsed() / 1048576.0,
                modelManager.getManagedArrays().size());
        out.printf(Locale.ROOT, "%d,%.2f,%.2f,%.2f,%.2f,%.2f,%d%n", s.batch(), s.seconds(), s.rssMib(),
                s.heapUsedMib(), s.heapCommittedMib(), s.nonHeapUsedMib(), s.modelArrays());
        out.flush();
        return s;
    }

    /** VmRSS of this process from /proc/self/status (Linux), in MiB. */
    static double rssMib() {
        return ProcessMemory.residentBytes().orElseThrow(() -> new IllegalStateException(
                "no VmRSS in /proc/self/status (the soak run needs Linux)")) / (1024.0 * 1024.0);
    }
}

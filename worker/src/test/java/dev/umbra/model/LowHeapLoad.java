package dev.umbra.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.umbra.model.checkpoint.Checkpoint;
import dev.umbra.model.checkpoint.StateDict;
import dev.umbra.model.prior.PriorConfig;
import dev.umbra.model.prior.PriorTransformer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Child-JVM entry point of {@link LargeCheckpointLowHeapTest}: loads a prior folder with {@link Checkpoint#open}
 * and {@link StateDict#load}, checks values written by {@link LargeCheckpointLowHeapTest#value}, prints
 * {@code OK ...} and exits 0; any problem prints a line and exits non-zero.
 */
public final class LowHeapLoad {

    private LowHeapLoad() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        DjlRuntime.ensureOffline();
        PriorTransformer prior = new PriorTransformer(PriorConfig.load(dir));
        Checkpoint checkpoint = Checkpoint.open(dir, EclipseModel.PRIOR_WEIGHTS);
        long bytes = checkpoint.entries().values().stream().mapToLong(e -> e.end() - e.begin()).sum();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            StateDict.load(prior, checkpoint, manager, DataType.FLOAT32, Device.cpu(), Set.of());
            Map<String, Parameter> params = new TreeMap<>(StateDict.parameters(prior));
            int t = 0;
            long checked = 0;
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray flat = e.getValue().getArray().reshape(-1);
                long n = flat.size();
                for (long j : List.of(0L, 1L, n / 2, n - 2, n - 1)) {
                    if (j < 0 || j >= n) {
                        continue;
                    }
                    float got = flat.getFloat(j);
                    float want = LargeCheckpointLowHeapTest.value(t, j);
                    if (got != want) {
                        System.out.println("MISMATCH " + e.getKey() + "[" + j + "] = " + got + ", expected " + want);
                        System.exit(2);
                    }
                    checked++;
                }
                t++;
            }
            Runtime rt = Runtime.getRuntime();
            System.out.println("OK tensors=" + params.size() + " values=" + checked + " checkpointBytes=" + bytes
                    + " maxHeap=" + rt.maxMemory() + " usedHeap=" + (rt.totalMemory() - rt.freeMemory()));
        }
    }
}

package dev.umbra.deploy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.LibUtils;
import dev.umbra.model.DjlRuntime;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prints which libtorch and which JNI DJL loaded in this process, and whether a tensor op runs: one
 * {@code key=value} line each, for tests and scripts that start DJL with {@code PYTORCH_LIBRARY_PATH}.
 */
public final class EngineProbe {

    private EngineProbe() {}

    public static void main(String[] args) throws Exception {
        Engine engine = DjlRuntime.engine();
        System.out.println("engine_version=" + engine.getVersion());
        System.out.println("libtorch_dir=" + LibUtils.getLibtorchPath());
        System.out.println("gpus=" + engine.getGpuCount());
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), DjlRuntime.ENGINE)) {
            System.out.println("sum=" + m.create(new float[] {1, 2, 3}).mul(2).sum().getFloat());
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            int slash = line.indexOf('/');
            if (slash >= 0 && line.contains("djl_torch")) {
                System.out.println("jni=" + line.substring(slash));
                break;
            }
        }
    }
}

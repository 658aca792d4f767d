package dev.umbra.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Locale;

/**
 * Process-wide DJL settings. DJL otherwise makes network calls (a cloud-metadata probe at engine start
 * and at every tokenizer creation): Umbra never lets it, so offline mode is set here before any DJL use.
 */
public final class DjlRuntime {

    public static final String ENGINE = "PyTorch";

    private DjlRuntime() {}

    /** Sets {@code ai.djl.offline=true}; a user cannot turn it off. */
    public static void ensureOffline() {
        System.setProperty("ai.djl.offline", "true");
    }

    public static Engine engine() {
        ensureOffline();
        return Engine.getEngine(ENGINE);
    }

    /**
     * libtorch's intra-op threads for this process: read by the engine when it starts, and set on it when it has
     * started already (JNI calls need the engine's library loaded, so it is started here).
     */
    public static void setIntraOpThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1 (got " + threads + ")");
        }
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        engine();
        JniUtils.setNumThreads(threads);
    }

    /** "auto" (a GPU when DJL sees one, else the CPU), "cpu", "gpu" or "gpu:N". */
    public static Device resolveDevice(String spec) {
        String s = spec == null ? "auto" : spec.trim().toLowerCase(Locale.ROOT);
        int gpus = engine().getGpuCount();
        if (s.equals("auto")) {
            return gpus > 0 ? Device.gpu() : Device.cpu();
        }
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        if (s.equals("gpu") || s.startsWith("gpu:") || s.startsWith("cuda")) {
            int id = 0;
            int colon = s.indexOf(':');
            if (colon >= 0) {
                try {
                    id = Integer.parseInt(s.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new ModelException("device \"" + spec + "\" is not valid: expected auto, cpu, gpu or gpu:N");
                }
            }
            if (id >= gpus) {
                throw new ModelException("device \"" + spec + "\" is not available: DJL sees " + gpus
                        + " GPU(s) (a CUDA libtorch is needed, see the README)");
            }
            return Device.gpu(id);
        }
        throw new ModelException("device \"" + spec + "\" is not valid: expected auto, cpu, gpu or gpu:N");
    }

    /** "auto" (fp16 on a GPU, fp32 on the CPU, where fp16 matmuls are ~75x slower), "float32" or "float16". */
    public static DataType resolveDtype(String spec, Device device) {
        String s = spec == null ? "auto" : spec.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "auto":
                return device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
            case "float32":
            case "fp32":
                return DataType.FLOAT32;
            case "float16":
            case "fp16":
                return DataType.FLOAT16;
            default:
                throw new ModelException("dtype \"" + spec + "\" is not valid: expected auto, float32 or float16");
        }
    }
}

package dev.umbra.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
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

    /** Whether {@link #setIntraOpThreads} was called (else libtorch uses one thread per core). */
    public static boolean intraOpThreadsSet() {
        return System.getProperty("ai.djl.pytorch.num_threads") != null;
    }

    /** The threads last given to {@link #setIntraOpThreads}, else the cores. */
    public static int intraOpThreads() {
        String set = System.getProperty("ai.djl.pytorch.num_threads");
        return set == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(set.strip());
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

    /**
     * One line saying what runs the model: DJL's version (its JNI is built for it), libtorch's version, folder and
     * build (CUDA or CPU), the device, the precision and libtorch's threads. Logged by a starting worker, so that a
     * GPU that is not used, or the wrong libtorch, shows in the first lines of its log.
     */
    public static String describe(Device device, DataType dtype) {
        Engine engine = engine();
        boolean cuda = engine.hasCapability(StandardCapabilities.CUDA);
        return "DJL " + Engine.getDjlVersion() + " PyTorch JNI on libtorch " + engine.getVersion() + " ("
                + (cuda ? "CUDA build, " + engine.getGpuCount() + " GPU(s) visible" : "CPU build") + ") at "
                + LibUtils.getLibtorchPath() + "; device " + device + ", " + dtype.name().toLowerCase(Locale.ROOT)
                + ", " + JniUtils.getNumThreads() + " intra-op thread(s)";
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
                Engine engine = engine();
                String why = engine.hasCapability(StandardCapabilities.CUDA)
                        ? "libtorch " + engine.getVersion() + " is a CUDA build but sees " + gpus + " GPU(s) (a driver"
                                + " or CUDA_VISIBLE_DEVICES problem?)"
                        : "libtorch " + engine.getVersion() + " at " + LibUtils.getLibtorchPath() + " is a CPU build;"
                                + " point PYTORCH_LIBRARY_PATH at a CUDA libtorch (README, GPU section;"
                                + " deploy/gpu/build-djl-jni.sh)";
                throw new ModelException("device \"" + spec + "\" is not available: " + why);
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

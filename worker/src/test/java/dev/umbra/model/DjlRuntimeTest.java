package dev.umbra.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

/** What the worker says about its runtime, and why a GPU it was asked for cannot be used. */
class DjlRuntimeTest {

    @Test
    void oneLineNamesDjlLibtorchItsBuildTheDeviceAndThreads() {
        Engine engine = DjlRuntime.engine();
        String line = DjlRuntime.describe(Device.cpu(), DataType.FLOAT32);
        assertTrue(line.startsWith("DJL " + Engine.getDjlVersion() + " PyTorch JNI on libtorch " + engine.getVersion()),
                line);
        assertTrue(line.contains(engine.hasCapability(StandardCapabilities.CUDA) ? "CUDA build" : "(CPU build)"), line);
        assertTrue(line.contains("; device cpu(), float32, "), line);
        assertTrue(line.matches(".* at /\\S+; .*") && line.endsWith(" intra-op thread(s)"), line);
        assertTrue(!line.contains("\n"), "one line");
    }

    @Test
    void aGpuThatIsNotThereIsRefusedSayingWhy() {
        Engine engine = DjlRuntime.engine();
        ModelException e = assertThrows(ModelException.class,
                () -> DjlRuntime.resolveDevice("gpu:" + (engine.getGpuCount() + 7)));
        String why = e.getMessage();
        assertTrue(why.startsWith("device \"gpu:"), why);
        if (engine.hasCapability(StandardCapabilities.CUDA)) {
            assertTrue(why.contains("is a CUDA build but sees " + engine.getGpuCount() + " GPU(s)"), why);
        } else {
            assertTrue(why.contains("is a CPU build; point PYTORCH_LIBRARY_PATH at a CUDA libtorch"), why);
        }
    }
}
